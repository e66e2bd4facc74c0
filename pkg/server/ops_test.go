package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/pkg/config"
)

// A shadow policy that does not load and a decision log topic on an
// unreachable Kafka do not keep topicgate from starting or stopping:
// /readyz reports both, and readiness depends on neither.
func TestRunWithBrokenShadowAndDecisionTopic(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Dir(p)
	}
	cfg := config.Default()
	cfg.Listen = config.Listen{Unix: filepath.Join(dir, "tg.sock"), Admin: "127.0.0.1:0"}
	cfg.Policy.Dir = write("policy/p.rego", "package topicgate.authz\n\ndecision := false\n")
	cfg.Policy.Shadow.Dir = write("shadow/p.rego", "package topicgate.authz\n\ndecision := {\n")
	cfg.DecisionLog.Kafka.Topic = "topicgate-decisions"
	cfg.Kafka.RequestTimeout = config.Duration(200 * time.Millisecond)
	cfg.ShutdownTimeout = config.Duration(2 * time.Second)
	cfg.Kafka.Clusters = []config.Cluster{{Name: "down", BootstrapServers: "127.0.0.1:1"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	r := startRun(t, cfg)
	cancel, a, done := r.cancel, r.addrs, r.done

	resp, err := http.Get("http://" + a.Admin + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var rz readiness
	err = json.NewDecoder(resp.Body).Decode(&rz)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !rz.Policy.Loaded || rz.Policy.LastError != "" {
		t.Errorf("active policy %+v", rz.Policy)
	}
	if s := rz.Shadow; s == nil || s.Loaded || s.Failures != 1 || !strings.Contains(s.LastError, "rego_parse_error") || s.Dir != cfg.Policy.Shadow.Dir {
		t.Errorf("shadow_policy %+v, want a failed load", s)
	}
	if d := rz.DecisionLog; d == nil || d.Topic != "topicgate-decisions" || d.Cluster != "down" || d.QueueSize != 10000 {
		t.Errorf("decision_log_kafka %+v", d)
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
