package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/metrics"
)

// A Kubernetes ConfigMap volume holds each file in a hidden timestamped
// directory, a hidden ..data symlink to it, and a visible symlink per file.
// Only the visible files may be loaded, or every rule is defined three times.
func TestConfigMapLayoutLoadsEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	stamp := filepath.Join(dir, "..2026_11_21_00_00_00.000000001")
	if err := os.Mkdir(stamp, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package topicgate.authz\n\ndefault decision := false\n\ndecision if input.action == \"list_topics\"\n"
	if err := os.WriteFile(filepath.Join(stamp, "authz.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "authz.rego"), filepath.Join(dir, "authz.rego")); err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), Options{Dir: dir, Log: zap.NewNop(), DecisionLog: zap.NewNop(), Metrics: metrics.New()})
	if err != nil {
		t.Fatalf("a ConfigMap layout does not load: %v", err)
	}
	if d := e.Decide(context.Background(), &Input{Action: "list_topics"}); !d.Allow || d.Err != nil {
		t.Fatalf("decision %+v", d)
	}
}
