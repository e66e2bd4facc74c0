package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// policiesDir holds the policies topicgate ships, one directory each.
const policiesDir = "../../policies"

// TestShippedPolicies runs the Rego tests of every shipped policy directory,
// and checks that each one loads as a served policy.
func TestShippedPolicies(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir(policiesDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != policiesDir {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no policy directories under %s", policiesDir)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			results, err := tester.Run(context.Background(), dir)
			if err != nil {
				t.Fatalf("running the Rego tests of %s: %v", dir, err)
			}
			if len(results) == 0 {
				t.Fatalf("%s has no Rego tests", dir)
			}
			for _, r := range results {
				switch {
				case r.Error != nil:
					t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
				case r.Fail:
					t.Errorf("%s.%s: FAIL", r.Package, r.Name)
				case r.Skip:
					t.Logf("%s.%s: skipped", r.Package, r.Name)
				}
			}
			if _, err := newEngine(t, dir, 0); err != nil {
				t.Errorf("the engine cannot serve %s: %v", dir, err)
			}
		})
	}
}

func BenchmarkDecideDemoPolicy(b *testing.B) {
	e, err := New(context.Background(), Options{
		Dir: filepath.Join(policiesDir, "demo"), Log: zap.NewNop(), DecisionLog: zap.NewNop(), Metrics: metrics.New(),
	})
	if err != nil {
		b.Fatal(err)
	}
	in := produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(ctx, in); !d.Allow || d.Err != nil {
			b.Fatalf("Decide = %+v, want allow", d)
		}
	}
}
