package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/topicgate/topicgate/pkg/config"
)

// With Kafka unreachable topicgate still serves: the unix socket answers gRPC
// health NOT_SERVING, /healthz is ok, /readyz says why it is not ready. A
// cancelled context is a clean shutdown that removes the socket.
func TestRunNotReadyWithoutKafka(t *testing.T) {
	dir := t.TempDir()
	policyDir := filepath.Join(dir, "policy")
	if err := os.Mkdir(policyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(policyDir, "p.rego"), []byte("package topicgate.authz\n\ndecision := false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Listen = config.Listen{Unix: filepath.Join(dir, "tg.sock"), Admin: "127.0.0.1:0"}
	cfg.Policy.Dir = policyDir
	cfg.Kafka.RequestTimeout = config.Duration(200 * time.Millisecond)
	cfg.ShutdownTimeout = config.Duration(2 * time.Second)
	cfg.Kafka.Clusters = []config.Cluster{{Name: "down", BootstrapServers: "127.0.0.1:1"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	r := startRun(t, cfg)
	ctx, cancel, a, done := r.ctx, r.cancel, r.addrs, r.done
	conn := r.dial(t)
	hctx, hcancel := context.WithTimeout(ctx, 5*time.Second)
	defer hcancel()
	hr, err := healthpb.NewHealthClient(conn).Check(hctx, &healthpb.HealthCheckRequest{})
	if err != nil || hr.Status != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("gRPC health over the unix socket: %v %v", hr, err)
	}

	if resp, err := http.Get("http://" + a.Admin + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
	var rz readiness
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + a.Admin + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&rz)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("readyz %d with Kafka down", resp.StatusCode)
		}
		if ks := rz.Kafka["down"]; !ks.CheckedAt.IsZero() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rz.Ready || !rz.Policy.Loaded || rz.Kafka["down"].Reachable || rz.Kafka["down"].Error == "" {
		t.Errorf("readyz %+v", rz)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := os.Stat(a.Unix); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
	if _, err := net.Dial("unix", a.Unix); err == nil {
		t.Error("socket still accepts")
	}
}

// running is Run in the background, for a test: its context, the
// addresses it listens on, and its result once it returns.
type running struct {
	ctx    context.Context
	cancel context.CancelFunc
	addrs  Addrs
	done   chan error
}

// startRun starts Run with cfg and waits until it listens; the test's end
// stops it.
func startRun(t *testing.T, cfg *config.Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r := &running{ctx: ctx, cancel: cancel, done: make(chan error, 1)}
	addrs := make(chan Addrs, 1)
	go func() {
		r.done <- Run(ctx, cfg, Loggers{Log: zap.NewNop(), Decisions: zap.NewNop()}, func(a Addrs) { addrs <- a })
	}()
	select {
	case r.addrs = <-addrs:
	case err := <-r.done:
		t.Fatalf("Run returned early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not started")
	}
	return r
}

// dial connects to the server's unix socket; the test's end closes it.
func (r *running) dial(t *testing.T) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+r.addrs.Unix, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
