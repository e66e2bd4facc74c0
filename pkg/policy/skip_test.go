package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// Two JSON Schemas in one directory would both load as data at the same
// path and fail to merge: a skipped directory is neither loaded nor hashed.
func TestNew_SkipsTheSchemaDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"authz.rego":            header + "decision := true\n",
		"schemas/a.json":        `{"type": "object"}`,
		"schemas/b.json":        `{"type": "string"}`,
		"schemas/nested/c.rego": "this is not rego\n",
	})
	e, err := New(context.Background(), Options{
		Dir: dir, Skip: []string{filepath.Join(dir, "schemas")},
		Log: zaptest.NewLogger(t), DecisionLog: zap.NewNop(), Metrics: metrics.New(),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if d := e.Decide(context.Background(), produceInput(identity.Anonymous)); !d.Allow {
		t.Fatalf("Decide = %+v", d)
	}
	if got := e.Status().Files; strings.Join(got, ",") != filepath.Join(dir, "authz.rego") {
		t.Errorf("Status().Files = %v, want authz.rego alone", got)
	}
	// A change in the skipped directory is no reason to reload.
	writeFiles(t, dir, map[string]string{"schemas/a.json": `{"type": "array"}`})
	if changed, err := e.Reload(context.Background()); changed || err != nil {
		t.Errorf("Reload = %v, %v; want no change", changed, err)
	}
}
