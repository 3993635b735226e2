package collectore2e

// Your own distribution (README "Adding last9_genai to your own collector"): collector-config/own-distribution's
// manifest, copied with `make shim-dist`'s folder into a directory outside the repository and built there with ocb
// as a build machine without Rust would, gives a static collector that lists last9_genai beside the upstream
// components and enriches a span with the example config's pipeline (resource, attributes, last9_genai, batch).

import (
	"flag"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	shimDist   = flag.String("shim-dist", "", "the processor module with the prebuilt core (`make shim-dist`: build/shim-dist)")
	ocb        = flag.String("ocb", "", "the ocb (cmd/builder) binary at the pinned release")
	ocbLDFlags = flag.String("ocb-ldflags", "-s -w -linkmode=external -extldflags=-static", "ocb --ldflags")
)

// copyTree copies the regular files under from to to, keeping their permission bits.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		copyFile(t, p, filepath.Join(to, rel), info.Mode().Perm())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOwnDistribution(t *testing.T) {
	if *shimDist == "" || *ocb == "" {
		t.Skip("no -shim-dist / -ocb: `make test-collector-e2e` passes build/shim-dist and the pinned ocb")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if strings.HasPrefix(dir, repo+string(filepath.Separator)) {
		t.Fatalf("%s is inside the repository; the build must not see it", dir)
	}
	for _, f := range []string{"builder-config.yaml", "config.yaml"} {
		copyFile(t, filepath.Join(repo, "collector-config/own-distribution", f), filepath.Join(dir, f), 0o644)
	}
	copyTree(t, *shimDist, filepath.Join(dir, "last9_genai"))
	// No text file in the copy may point back into the repository (the build machine has only this folder; the
	// archive's debug info names its source paths, which the build does not read).
	if out, _ := exec.Command("grep", "-rlI", repo, dir).Output(); len(out) > 0 {
		t.Fatalf("the copied folder names the repository in: %s", out)
	}

	start := time.Now()
	builder, err := filepath.Abs(*ocb)
	if err != nil {
		t.Fatal(err)
	}
	runOnceWithin(t, 15*time.Minute, dir, nil, builder, "--config", "builder-config.yaml", "--ldflags", *ocbLDFlags)
	t.Logf("ocb built the own distribution in %s", time.Since(start).Round(time.Second))
	bin := filepath.Join(dir, "_build", "otelcol-acme")
	requireStatic(t, bin)
	requireStaticBuild(t, bin)

	components := runOnce(t, dir, nil, bin, "components")
	for _, c := range []string{"last9_genai", "attributes", "resource", "memory_limiter", "batch", "otlp", "debug",
		"health_check"} {
		if !strings.Contains(components, "- name: "+c+"\n") {
			t.Errorf("`otelcol-acme components` does not list %s:\n%s", c, components)
		}
	}
	if !strings.Contains(components, "module: github.com/last9/last9_genai/go-shim v0.0.0") {
		t.Errorf("last9_genai's module is not the shim:\n%s", components)
	}

	c := newCollector(t, dir)
	c.binary, c.workDir = bin, dir
	env := []string{
		fmt.Sprintf("ACME_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", c.grpcPort),
		fmt.Sprintf("ACME_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", c.httpPort),
		fmt.Sprintf("ACME_HEALTH_CHECK_ENDPOINT=127.0.0.1:%d", c.healthPort),
		"ACME_METRICS_HOST=127.0.0.1", fmt.Sprintf("ACME_METRICS_PORT=%d", c.metricsPort),
		"ACME_DEBUG_VERBOSITY=detailed", "ACME_EXPORTERS=[debug]",
	}
	runOnce(t, dir, nil, bin, "validate", "--config", "config.yaml") // as shipped: debug and otlp/backend
	runOnce(t, dir, env, bin, "validate", "--config", "config.yaml")
	c.launch(t, []string{"--config", "config.yaml"}, env)
	span := oneGenAISpan(53)
	c.send(t, overGRPC, batchOf(span))
	attrs := waitForDebugSpan(t, c, span)
	// The example config's negotiated gpt-4o rate: 2.25 in, 9.00 out per million tokens.
	requireDebugPriced(t, attrs, 2.25, 9.00)
	if attrs["acme.team"] != "Str(ml-platform)" {
		t.Errorf("acme.team = %q: the attributes processor did not run", attrs["acme.team"])
	}
	c.stop(t)
}
