package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/topicgate/topicgate/pkg/config"
)

// In guard mode topicgate needs no Kafka: it is ready with its policy
// loaded, answers ext_authz checks, and does not serve ext_proc.
func TestRunGuardModeWithoutKafka(t *testing.T) {
	dir := t.TempDir()
	policyDir := filepath.Join(dir, "policy")
	if err := os.Mkdir(policyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rego := "package topicgate.authz\n\ndecision := input.action == \"list_topics\"\n"
	if err := os.WriteFile(filepath.Join(policyDir, "p.rego"), []byte(rego), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Mode = config.ModeGuard
	cfg.Listen = config.Listen{Unix: filepath.Join(dir, "tg.sock"), Admin: "127.0.0.1:0"}
	cfg.Policy.Dir = policyDir
	cfg.ShutdownTimeout = config.Duration(2 * time.Second)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	r := startRun(t, cfg)
	ctx, cancel, a, done := r.ctx, r.cancel, r.addrs, r.done
	conn := r.dial(t)
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()

	for {
		hr, err := healthpb.NewHealthClient(conn).Check(rctx, &healthpb.HealthCheckRequest{})
		if err == nil && hr.Status == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if rctx.Err() != nil {
			t.Fatalf("never SERVING: %v %v", hr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + a.Admin + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("readyz without Kafka: %v %v", resp, err)
	}

	authz := authv3.NewAuthorizationClient(conn)
	ask := func(path string) *authv3.CheckResponse {
		t.Helper()
		r, err := authz.Check(rctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{Request: &authv3.AttributeContext_Request{
			Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: path},
		}}})
		if err != nil {
			t.Fatalf("Check %s: %v", path, err)
		}
		return r
	}
	if r := ask("/topics"); r.GetStatus().GetCode() != int32(codes.OK) || r.GetOkResponse() == nil {
		t.Errorf("list topics: %v", r)
	}
	if r := ask("/topics/orders"); r.GetDeniedResponse().GetStatus().GetCode() != 401 {
		t.Errorf("get topic, anonymous: %v", r)
	}

	stream, err := extprocv3.NewExternalProcessorClient(conn).Process(rctx)
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("ext_proc on a guard: %v, want Unimplemented", err)
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
}
