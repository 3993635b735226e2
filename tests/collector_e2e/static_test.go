package collectore2e

// The collector as it ships (issue 11): a static binary that runs from an otherwise empty root directory, the
// recommended and example configs run by that binary. The image's tree and your own distribution: image_test.go,
// own_distribution_test.go.

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The non-root user the image runs as (Dockerfile USER) and the chroot runs use.
const imageUID, imageGID = 10001, 10001

// loopbackOverlay moves a shipped config's listeners to fresh loopback ports (a second --config merged over it; the
// metrics reader list is replaced whole). Template arguments as startCollectorWith's: dir, gRPC, HTTP, health,
// metrics.
const loopbackOverlay = `
extensions:
  health_check:
    endpoint: 127.0.0.1:%[4]d
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%[2]d
      http:
        endpoint: 127.0.0.1:%[3]d
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[5]d
`

// requireStatic fails unless path is a static executable: no program interpreter, no shared library, and (where
// ldd exists) ldd says so in its own words.
func requireStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: it is a dynamic executable", path)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v (%v)", path, libs, err)
	}
	if ldd, err := exec.LookPath("ldd"); err == nil {
		out, _ := exec.Command(ldd, path).CombinedOutput()
		if !strings.Contains(string(out), "not a dynamic executable") {
			t.Errorf("ldd %s: %s", path, out)
		}
	}
}

// requireStaticBuild: the Go side was built with cgo and its pure-Go resolver and user lookup (glibc's cannot work
// in a static binary).
func requireStaticBuild(t *testing.T, path string) {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	tags := "," + settings["-tags"] + ","
	if !strings.Contains(tags, ",netgo,") || !strings.Contains(tags, ",osusergo,") {
		t.Errorf("%s built with -tags=%q, want netgo and osusergo", path, settings["-tags"])
	}
	// (-ldflags is not recorded under -trimpath; requireStatic checks what they did.)
	if settings["CGO_ENABLED"] != "1" {
		t.Errorf("%s built with CGO_ENABLED=%q", path, settings["CGO_ENABLED"])
	}
}

// requireChroot skips a test that must chroot when this process may not (chroot and mounting need root).
func requireChroot(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"chroot", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s command: cannot run the collector from an empty root here (%v)", tool, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skipf("SKIPPED the empty-root run: not root (euid %d); chroot and mounting /proc need root, so run "+
			"`make test-collector-e2e` as root for it", os.Geteuid())
	}
}

// containerPrefix runs a command the way a container runtime runs an image: root as "/", a /proc of its own (as
// every runtime mounts; memory_limiter reads /proc/self/mountinfo and /proc/meminfo) in a private mount namespace
// (nothing leaks to the host's mounts, and it is gone when the process ends), as the non-root uid:gid. root must
// hold an empty proc/ directory, the mount point a runtime would create.
func containerPrefix(root string, uid, gid int) []string {
	return []string{"unshare", "--mount", "--mount-proc=" + filepath.Join(root, "proc"),
		"chroot", fmt.Sprintf("--userspec=%d:%d", uid, gid), root}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, mode); err != nil {
		t.Fatal(err)
	}
}

// runOnce runs a command to completion and returns its combined output; a failure or a run over 60s fails the test.
func runOnce(t *testing.T, dir string, env []string, argv ...string) string {
	t.Helper()
	return runOnceWithin(t, 60*time.Second, dir, env, argv...)
}

func runOnceWithin(t *testing.T, limit time.Duration, dir string, env []string, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	timer := time.AfterFunc(limit, func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	})
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// oneGenAISpan is the span every shipping test sends: a root chat call to gpt-4o (provider openai), 1000 input and
// 500 output tokens.
func oneGenAISpan(scenario byte) spanSpec {
	return spanSpec{scenario: scenario, trace: 1, id: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", 1000, 500)}
}

// requirePriced checks the cost attributes of oneGenAISpan at the given USD-per-million prices.
func requirePriced(a asserter, s spanSpec, inPerM, outPerM float64) {
	a.t.Helper()
	a.str(s, "gen_ai.l9.span.kind", "llm")
	a.str(s, "gen_ai.l9.cost.status", "priced")
	a.usd(s, "gen_ai.usage.cost_input_usd", usd(1000, inPerM))
	a.usd(s, "gen_ai.usage.cost_output_usd", usd(500, outPerM))
	a.usd(s, "gen_ai.usage.cost_usd", usd(1000, inPerM)+usd(500, outPerM))
	a.usd(s, "gen_ai.l9.trace.cost_usd", usd(1000, inPerM)+usd(500, outPerM))
}

// waitForSpanIn polls a file exporter's output until the span is there.
func waitForSpanIn(t *testing.T, path string, s spanSpec) asserter {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := readOutput(t, path)
		if _, ok := got[s.key()]; ok {
			return asserter{t: t, got: got}
		}
		if time.Now().After(deadline) {
			t.Fatalf("span %q not in %s after 30s", s.name, path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStaticBinaryRunsFromEmptyRoot: the binary `make collector` builds is static, and copied alone into an empty
// directory (plus the /proc a container runtime mounts) it validates the recommended config (collector-config/config.yaml, as shipped) and runs it as uid 10001,
// enriching one span end to end. gpt-4o's embedded list price: 2.50 in, 10.00 out per million tokens, so 1000 in and
// 500 out cost 0.0025 + 0.005 = 0.0075 USD.
func TestStaticBinaryRunsFromEmptyRoot(t *testing.T) {
	requireStatic(t, *collectorBinary)
	requireStaticBuild(t, *collectorBinary)
	requireChroot(t)

	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, *collectorBinary, filepath.Join(root, "otelcol-last9genai"), 0o755)
	copyFile(t, "../../collector-config/config.yaml", filepath.Join(root, "config.yaml"), 0o644)
	// config.yaml writes ./out/traces.jsonl; chroot starts in /, so /out, writable by the collector's user.
	out := filepath.Join(root, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(out, imageUID, imageGID); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "proc"), 0o555); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 4 {
		t.Fatalf("the root holds %d entries, want the binary, the config, out/ and proc/", len(entries))
	}

	prefix := containerPrefix(root, imageUID, imageGID)
	runOnce(t, "", nil, append(prefix, "/otelcol-last9genai", "validate", "--config", "/config.yaml")...)

	c := newCollector(t, out)
	c.prefix = prefix
	c.binary = "/otelcol-last9genai"
	overlay := fmt.Sprintf(loopbackOverlay, "", c.grpcPort, c.httpPort, c.healthPort, c.metricsPort)
	if err := os.WriteFile(filepath.Join(root, "loopback.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	c.launch(t, []string{"--config", "/config.yaml", "--config", "/loopback.yaml"}, nil)
	span := oneGenAISpan(50)
	c.send(t, httpProto, batchOf(span))
	requirePriced(waitForSpanIn(t, filepath.Join(out, "traces.jsonl"), span), span, gpt4oInput, gpt4oOutput)
	c.stop(t)
}

// TestExampleConfigs: the examples in collector-config validate with the static binary, and example-prices.yaml
// (its own gpt-4o rate, 2.25 in and 9.00 out per million, and a LiteLLM price file) prices a span with it. The fleet
// configs run end to end in fleet_test.go, the image's in image_test.go.
func TestExampleConfigs(t *testing.T) {
	bin, err := filepath.Abs(*collectorBinary)
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join("../../collector-config", p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	dir := t.TempDir()
	// As shipped, from the repository root: example-prices.yaml reads collector-config/prices/litellm-sample.json.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"OTLP_AUTH_HEADER=Bearer test", "FLEET_BACKENDS=[127.0.0.1:4317]",
		"FLEET_STATE_DIR=" + filepath.Join(dir, "state")}
	for _, cfg := range []string{"config.yaml", "example-prices.yaml", "example-genai-prices.yaml",
		"example-loadbalanced.yaml", "example-cost-metrics.yaml", "fleet/front.yaml", "fleet/back.yaml",
		"image/config.yaml"} {
		t.Run("validate "+cfg, func(t *testing.T) {
			runOnce(t, root, env, bin, "validate", "--config", abs(cfg))
		})
	}

	// Its listeners on loopback, a health check to wait on, and a file instead of the example's backend.
	overlays := func(t *testing.T, c *collector, dir string) []string {
		overlay := filepath.Join(dir, "overlay.yaml")
		writeFile(t, overlay, fmt.Sprintf(loopbackOverlay, dir, c.grpcPort, c.httpPort, c.healthPort, c.metricsPort))
		toFile := filepath.Join(dir, "to-file.yaml")
		writeFile(t, toFile, fmt.Sprintf(`
exporters:
  file/test:
    path: %s/out.jsonl
    flush_interval: 50ms
service:
  extensions: [health_check]
  pipelines:
    traces:
      exporters: [file/test]
`, dir))
		return []string{"--config", overlay, "--config", toFile}
	}
	served := func(provider, model string, input, output int64) map[string]any {
		a := chatAttrs(model, input, output)
		a["gen_ai.provider.name"] = provider
		return a
	}

	// Runs an example as shipped (from the repository root) and returns it with the folder its output goes to.
	launchExample := func(t *testing.T, cfg string) (*collector, string) {
		dir := t.TempDir()
		c := newCollector(t, dir)
		c.workDir = root
		c.launch(t, append([]string{"--config", abs(cfg)}, overlays(t, c, dir)...), env)
		return c, dir
	}
	// Sends one chat call served by provider and waits for it to come out.
	call := func(t *testing.T, c *collector, dir string, scenario byte, provider, model string, in, out int64) (asserter, spanSpec) {
		s := spanSpec{scenario: scenario, trace: 1, id: 1, name: "chat " + model, attrs: served(provider, model, in, out)}
		c.send(t, overGRPC, batchOf(s))
		return waitForSpanIn(t, filepath.Join(dir, "out.jsonl"), s), s
	}

	t.Run("run example-prices.yaml", func(t *testing.T) {
		c, dir := launchExample(t, "example-prices.yaml")
		span := oneGenAISpan(51)
		c.send(t, overGRPC, batchOf(span))
		requirePriced(waitForSpanIn(t, filepath.Join(dir, "out.jsonl"), span), span, 2.25, 9.00)
		// From the shipped sample file: Anthropic's rates; and an Azure deployment priced through model_aliases.
		a, claude := call(t, c, dir, 52, "anthropic", "claude-sonnet-4-5", 1000, 500)
		requirePriced(a, claude, 3.00, 15.00)
		a.str(claude, "gen_ai.l9.cost.model", "claude-sonnet-4-5")
		a, deployment := call(t, c, dir, 53, "azure.ai.openai", "prod-chat-eastus", 1000, 500)
		requirePriced(a, deployment, 2.25, 9.00)
		a.str(deployment, "gen_ai.l9.cost.model", "gpt-4o")
		c.stop(t)
	})

	t.Run("run example-genai-prices.yaml", func(t *testing.T) {
		c, dir := launchExample(t, "example-genai-prices.yaml")
		// Above 200k input tokens the whole Claude request is billed at the file's second tier.
		a, long := call(t, c, dir, 54, "anthropic", "claude-sonnet-4-5-20250929", 250_000, 1000)
		a.str(long, "gen_ai.l9.cost.status", "priced")
		a.usd(long, "gen_ai.usage.cost_usd", usd(250_000, 6.00)+usd(1000, 22.50))
		a.str(long, "gen_ai.l9.cost.model", "claude-sonnet-4-5")
		// Azure lists no gpt-4o of its own: the file's fallback to OpenAI prices it.
		a, azure := call(t, c, dir, 55, "az.ai.openai", "gpt-4o", 1000, 500)
		requirePriced(a, azure, 2.50, 10.00)
		a.str(azure, "gen_ai.l9.cost.model", "gpt-4o")
		c.stop(t)
	})
}
