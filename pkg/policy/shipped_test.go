package policy

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	// Each top-level directory is one policy; its subdirectories are its own
	// (data, libraries) and are tested with it.
	entries, err := os.ReadDir(policiesDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, filepath.Join(policiesDir, e.Name()))
		}
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

// BenchmarkDecideDemoPolicy100Records is the records phase of a produce of
// 100 records with 1 KiB values: the input a policy sees grows with the
// records, so this is the policy's share of a large produce.
func BenchmarkDecideDemoPolicy100Records(b *testing.B) {
	e, err := New(context.Background(), Options{
		Dir: filepath.Join(policiesDir, "demo"), Log: zap.NewNop(), DecisionLog: zap.NewNop(), Metrics: metrics.New(),
	})
	if err != nil {
		b.Fatal(err)
	}
	in := produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})
	in.Phase = PhaseRecords
	value := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("v"), 1024))
	for i := range 100 {
		key := fmt.Sprintf("key-%d", i)
		in.Records = append(in.Records, Record{
			Index: i, Size: 1024 + len(key), Headers: []Header{},
			Key:   &Data{Type: "STRING", Data: key, Size: len(key)},
			Value: &Data{Type: "BINARY", Data: value, Size: 1024},
		})
	}
	in.RecordsSummary = &RecordsSummary{Count: 100, Bytes: 100 * 1030}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(ctx, in); !d.Allow || d.Err != nil {
			b.Fatalf("Decide = %+v, want allow", d)
		}
	}
}

// docs/policy.md shows the demo policy; the copy must be the file, without
// its header comment.
func TestDemoPolicyDocumented(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(policiesDir, "demo", "authz.rego"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src[bytes.Index(src, []byte("package topicgate.authz")):])
	section := string(doc[bytes.Index(doc, []byte("## The demo policy")):])
	start := strings.Index(section, "```rego\n") + len("```rego\n")
	end := start + strings.Index(section[start:], "```")
	if got := section[start:end]; got != code {
		t.Errorf("docs/policy.md's demo policy differs from policies/demo/authz.rego:\n--- doc\n%s\n--- file\n%s", got, code)
	}
}
