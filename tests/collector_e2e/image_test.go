package collectore2e

// The container image without a container engine: the Dockerfile's final stage is FROM scratch plus one COPY of the
// tree its build stage makes with `make image-tree`; `make image-tree` here makes build/image-root. This test reads
// the final stage (user, entrypoint, command, ports), checks the tree is exactly the image's files, and runs the
// image's entrypoint and command from the tree (chroot, the image's uid:gid) with its default config, enriching one
// span; only the listen addresses change, through the variables the image config reads.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	imageRoot  = flag.String("image-root", "", "the image's file tree made by `make image-tree` (build/image-root)")
	dockerfile = flag.String("dockerfile", "../../Dockerfile", "the Dockerfile whose final stage the tree must be")
)

// finalStage is what the image's last stage says.
type finalStage struct {
	uid, gid        int
	entrypoint, cmd []string
	expose          []string
	treeFrom        string // the COPY's source path in the build stage
}

var argRef = regexp.MustCompile(`\$\{(\w+)\}`)

// parseDockerfile reads the final stage and requires it to be FROM scratch with a single COPY of the tree a build
// stage makes with `make image-tree`, and no other file-changing instruction: then the tree is the image's files.
func parseDockerfile(t *testing.T, path string) finalStage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Instructions, with continuation lines joined and comments dropped.
	var instrs []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		instrs = append(instrs, cur.String())
		cur.Reset()
	}
	stages := map[string][]string{}
	var last []string
	var name string
	for _, in := range instrs {
		f := strings.Fields(in)
		if strings.EqualFold(f[0], "FROM") {
			if name != "" {
				stages[name] = last
			}
			last, name = nil, "<unnamed>"
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				name = f[3]
			}
		}
		last = append(last, in)
	}
	if f := strings.Fields(last[0]); len(f) < 2 || f[1] != "scratch" {
		t.Fatalf("%s: the final stage is %q, want FROM scratch", path, last[0])
	}
	var st finalStage
	args := map[string]string{}
	copies := 0
	for _, in := range last[1:] {
		op, rest, _ := strings.Cut(in, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(op) {
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			args[k] = v
		case "USER":
			u := argRef.ReplaceAllStringFunc(rest, func(m string) string { return args[argRef.FindStringSubmatch(m)[1]] })
			us, gs, _ := strings.Cut(u, ":")
			if st.uid, err = strconv.Atoi(us); err != nil {
				t.Fatalf("USER %q: not numeric", u)
			}
			if st.gid, err = strconv.Atoi(gs); err != nil {
				t.Fatalf("USER %q: not numeric uid:gid", u)
			}
		case "COPY":
			copies++
			f := strings.Fields(rest)
			if len(f) != 3 || !strings.HasPrefix(f[0], "--from=") || f[2] != "/" {
				t.Fatalf("final stage: %q, want COPY --from=<stage> <tree>/ /", in)
			}
			from := strings.TrimPrefix(f[0], "--from=")
			made := false
			for _, bi := range stages[from] {
				made = made || strings.Contains(bi, "make image-tree")
			}
			if !made || !strings.HasSuffix(f[1], "/build/image-root/") {
				t.Fatalf("final stage copies %s from stage %q, which is not the tree `make image-tree` makes", f[1], from)
			}
			st.treeFrom = f[1]
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &st.entrypoint); err != nil {
				t.Fatalf("ENTRYPOINT %s: %v", rest, err)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(rest), &st.cmd); err != nil {
				t.Fatalf("CMD %s: %v", rest, err)
			}
		case "EXPOSE":
			st.expose = append(st.expose, strings.Fields(rest)...)
		case "LABEL", "ENV":
		default:
			t.Fatalf("final stage: %q changes the image beyond the tree", in)
		}
	}
	if copies != 1 || len(st.entrypoint) == 0 || st.uid == 0 {
		t.Fatalf("final stage: %d COPY, entrypoint %v, uid %d: want one COPY, an entrypoint, a non-root user",
			copies, st.entrypoint, st.uid)
	}
	return st
}

func fileSHA(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// debugSpanAttrs finds a span in the debug exporter's detailed output by its id and returns its attributes as
// printed ("Double(0.0075)", "Str(llm)").
func debugSpanAttrs(log, spanID string) map[string]string {
	i := strings.Index(log, "\n    ID             : "+spanID+"\n")
	if i < 0 {
		return nil
	}
	block := log[i+1:]
	if j := strings.Index(block, "\nSpan #"); j >= 0 {
		block = block[:j]
	}
	if j := strings.Index(block, "\nEvents:"); j >= 0 {
		block = block[:j]
	}
	attrs := map[string]string{}
	for _, line := range strings.Split(block, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ": "); ok && strings.HasPrefix(k, "-> ") {
			attrs[strings.TrimPrefix(k, "-> ")] = v
		}
	}
	return attrs
}

// waitForDebugSpan polls the collector's log (debug exporter, verbosity detailed) until the span's cost is there.
func waitForDebugSpan(t *testing.T, c *collector, s spanSpec) map[string]string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a := debugSpanAttrs(c.log.String(), s.key().span.String()); a["gen_ai.usage.cost_usd"] != "" {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("span %q with a cost not in the debug output after 30s", s.name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireDebugPriced is requirePriced on the debug exporter's text.
func requireDebugPriced(t *testing.T, attrs map[string]string, inPerM, outPerM float64) {
	t.Helper()
	want := map[string]float64{
		"gen_ai.usage.cost_input_usd":  usd(1000, inPerM),
		"gen_ai.usage.cost_output_usd": usd(500, outPerM),
		"gen_ai.usage.cost_usd":        usd(1000, inPerM) + usd(500, outPerM),
	}
	for k, w := range want {
		v := attrs[k]
		got, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(v, "Double("), ")"), 64)
		if !strings.HasPrefix(v, "Double(") || err != nil || got-w > costTolerance || w-got > costTolerance {
			t.Errorf("%s = %s, want Double(%v)", k, v, w)
		}
	}
	for k, w := range map[string]string{"gen_ai.l9.cost.status": "Str(priced)", "gen_ai.l9.span.kind": "Str(llm)"} {
		if attrs[k] != w {
			t.Errorf("%s = %q, want %s", k, attrs[k], w)
		}
	}
}

func TestImageTree(t *testing.T) {
	if *imageRoot == "" {
		t.Skip("no -image-root: `make test-collector-e2e` passes build/image-root (made by `make image-tree`)")
	}
	st := parseDockerfile(t, *dockerfile)
	for _, p := range []string{"4317", "4318"} {
		if !strings.Contains(" "+strings.Join(st.expose, " ")+" ", " "+p+" ") {
			t.Errorf("Dockerfile EXPOSE %v lacks OTLP port %s", st.expose, p)
		}
	}
	if len(st.cmd) != 2 || st.cmd[0] != "--config" {
		t.Fatalf("CMD %v, want [--config <path>]", st.cmd)
	}

	// Exactly these files, with these modes: the binary, the default config, the CA bundle.
	want := map[string]fs.FileMode{
		strings.TrimPrefix(st.entrypoint[0], "/"): 0o755,
		strings.TrimPrefix(st.cmd[1], "/"):        0o644,
		"etc/ssl/certs/ca-certificates.crt":       0o644,
	}
	got := map[string]fs.FileMode{}
	err := filepath.WalkDir(*imageRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(*imageRoot, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			t.Errorf("%s: not a regular file (%s)", rel, info.Mode())
		}
		got[rel] = info.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("image tree %s holds %v, want %v", *imageRoot, got, want)
	}

	bin := filepath.Join(*imageRoot, st.entrypoint[0])
	if fileSHA(t, bin) != fileSHA(t, *collectorBinary) {
		t.Errorf("%s is not the binary `make collector` built (%s)", bin, *collectorBinary)
	}
	requireStatic(t, bin)
	cfg, err := os.ReadFile(filepath.Join(*imageRoot, st.cmd[1]))
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := os.ReadFile("../../collector-config/image/config.yaml"); !bytes.Equal(cfg, src) {
		t.Errorf("%s differs from collector-config/image/config.yaml", st.cmd[1])
	}
	pemData, err := os.ReadFile(filepath.Join(*imageRoot, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil {
		t.Fatal(err)
	}
	certs := 0
	for rest := pemData; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Errorf("CA bundle: certificate %d: %v", certs, err)
		}
		certs++
	}
	if certs < 50 {
		t.Errorf("CA bundle holds %d certificates; a system bundle has over a hundred", certs)
	}

	// Run it as a runtime runs the image: the tree as "/", plus the /proc mount point a runtime creates (on a copy,
	// so build/image-root stays exactly the image's files).
	requireChroot(t)
	root := filepath.Join(t.TempDir(), "root")
	for rel := range want {
		mode := want[rel]
		copyFile(t, filepath.Join(*imageRoot, rel), filepath.Join(root, rel), mode)
	}
	if err := os.Mkdir(filepath.Join(root, "proc"), 0o555); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	prefix := containerPrefix(root, st.uid, st.gid)
	runOnce(t, "", nil, append(append(append(prefix, st.entrypoint...), "validate"), st.cmd...)...)

	c := newCollector(t, t.TempDir())
	c.prefix = prefix
	c.binary = st.entrypoint[0]
	c.launch(t, append(append([]string{}, st.entrypoint[1:]...), st.cmd...), []string{
		fmt.Sprintf("OTELCOL_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", c.grpcPort),
		fmt.Sprintf("OTELCOL_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", c.httpPort),
		fmt.Sprintf("OTELCOL_HEALTH_CHECK_ENDPOINT=127.0.0.1:%d", c.healthPort),
		"OTELCOL_METRICS_HOST=127.0.0.1", fmt.Sprintf("OTELCOL_METRICS_PORT=%d", c.metricsPort),
		"OTELCOL_DEBUG_VERBOSITY=detailed",
	})
	span := oneGenAISpan(52)
	c.send(t, httpProto, batchOf(span))
	requireDebugPriced(t, waitForDebugSpan(t, c, span), gpt4oInput, gpt4oOutput)
	metricValue(t, c.metrics(t), "otelcol_processor_last9_genai_spans_priced", "last9_genai", "", 1)
	c.stop(t)
}
