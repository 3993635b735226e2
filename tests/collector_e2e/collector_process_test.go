package collectore2e

// Starting and stopping the real collector binary: free loopback ports, a generated config, a process group that
// is killed however the test ends, and the collector's log printed when a test fails.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var collectorBinary = flag.String("collector", "../../build/otelcol-last9genai", "collector binary built by `make collector`")

type collector struct {
	cmd                                         *exec.Cmd
	log                                         *lockedBuffer
	dir                                         string
	grpcPort, httpPort, healthPort, metricsPort int
	exited                                      chan error
	// Optional: another binary than -collector; a command it runs under (chroot --userspec=U:G ROOT, where binary
	// is then the path inside ROOT); the working directory.
	binary, workDir string
	prefix          []string
}

// lockedBuffer collects the collector's output; it is written by exec's copy goroutine while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePort asks the kernel for an unused loopback port. Another process could take it before the collector binds
// it; start() then fails with "address already in use" in the log, which names the cause.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Two pipelines from one receiver: `direct` sees batches exactly as sent (so split batches stay split); `grouped`
// is the recommended production pipeline (memory_limiter -> groupbytrace -> last9_genai -> batch).
const configTemplate = `
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
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
  groupbytrace:
    wait_duration: 300ms
  last9_genai/direct:
  last9_genai/grouped:
  batch:
    timeout: 100ms
exporters:
  file/direct:
    path: %[1]s/direct.jsonl
    flush_interval: 50ms
  file/grouped:
    path: %[1]s/grouped.jsonl
    flush_interval: 50ms
service:
  extensions: [health_check]
  pipelines:
    traces/direct:
      receivers: [otlp]
      processors: [last9_genai/direct]
      exporters: [file/direct]
    traces/grouped:
      receivers: [otlp]
      processors: [memory_limiter, groupbytrace, last9_genai/grouped, batch]
      exporters: [file/grouped]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[5]d
`

func startCollector(t *testing.T) *collector {
	t.Helper()
	return startCollectorWith(t, t.TempDir(), configTemplate)
}

// startCollectorWith runs the collector with a config template taking, in order, the working directory and the
// gRPC, HTTP, health-check and metrics ports (fresh ones each start). The directory may hold an earlier run's files.
func startCollectorWith(t *testing.T, dir, template string) *collector {
	t.Helper()
	c := newCollector(t, dir)
	cfgPath := filepath.Join(c.dir, "config.yaml")
	cfg := fmt.Sprintf(template, c.dir, c.grpcPort, c.httpPort, c.healthPort, c.metricsPort)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c.launch(t, []string{"--config", cfgPath}, nil)
	return c
}

// newCollector picks fresh loopback ports for a collector working in dir; launch starts it.
func newCollector(t *testing.T, dir string) *collector {
	t.Helper()
	return &collector{
		dir: dir, log: &lockedBuffer{}, exited: make(chan error, 1),
		grpcPort: freePort(t), httpPort: freePort(t), healthPort: freePort(t), metricsPort: freePort(t),
	}
}

// launch runs the collector binary with args and extra environment, and waits until its health check (on
// c.healthPort) answers.
func (c *collector) launch(t *testing.T, args, env []string) {
	t.Helper()
	bin := c.binary
	if bin == "" {
		var err error
		if bin, err = filepath.Abs(*collectorBinary); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("collector binary: %v (build it with `make collector`)", err)
		}
	}
	argv := append(append(append([]string{}, c.prefix...), bin), args...)
	c.cmd = exec.Command(argv[0], argv[1:]...)
	c.cmd.Dir = c.workDir
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout = c.log
	c.cmd.Stderr = c.log
	// Own process group (so the kill reaches anything it starts), and SIGKILL if this test process dies first.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start collector: %v", err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("collector log (%s):\n%s", strings.Join(argv, " "), c.log.String())
		}
	})
	c.waitHealthy(t)
}

func (c *collector) waitHealthy(t *testing.T) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/", c.healthPort)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.exited:
			c.exited <- err
			t.Fatalf("collector exited during start-up: %v", err)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("collector not healthy at %s after 60s", url)
}

// stop shuts the collector down the normal way and requires a clean exit: Shutdown frees the core's handles.
func (c *collector) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-c.exited:
		c.exited <- err
		if err != nil {
			t.Errorf("collector exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("collector did not stop within 30s of SIGTERM")
	}
	if strings.Contains(c.log.String(), "panic") {
		t.Errorf("collector log mentions a panic")
	}
}

// kill leaves no process behind, whatever state the test is in.
func (c *collector) kill() {
	select {
	case err := <-c.exited:
		c.exited <- err
		return
	default:
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
	}
}

func (c *collector) metrics(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/metrics", c.metricsPort), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape internal metrics: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

func writeFileErr(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }
