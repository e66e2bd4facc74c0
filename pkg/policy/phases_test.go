package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/identity"
)

func TestReadsRecordsPhase(t *testing.T) {
	tests := []struct {
		name, rule string
		want       bool
	}{
		{"principal, operation and resource only", `allow if { input.principal.type == "api_key"; input.resource == {"type": "TOPIC", "name": "orders"} }`, false},
		{"the request's headers", `allow if input.request.headers["x-team"] == "a"`, false},
		{"records", `allow if { some r in input.records; r.size < 10 }`, true},
		{"records_summary", `allow if input.records_summary.count < 10`, true},
		{"the phase", `allow if input.phase == "request"`, true},
		{"the target", `allow if input.target.topic == "a"`, true},
		{"the whole input", `allow if count(input) > 3`, true},
		{"a field picked at run time", `allow if { k := "records"; input[k] }`, true},
		{"the input handed to a function", `allow if f(input)
f(x) if x.records`, true},
		{"an import of records", `import input.records as rs
allow if count(rs) > 0`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package topicgate.authz\n\n" + tt.rule + "\n"
			c, err := ast.CompileModules(map[string]string{"p.rego": src})
			if err != nil {
				t.Fatalf("compiling %s: %v", src, err)
			}
			if got := readsRecordsPhase(c.Modules); got != tt.want {
				t.Errorf("readsRecordsPhase = %v, want %v for\n%s", got, tt.want, src)
			}
		})
	}
}

// A request-phase decision says whether the records phase would answer the
// same: for the shipped demo policy, which reads no record, it would.
func TestDecide_RecordsBlind(t *testing.T) {
	demo := identity.Principal{Type: identity.TypeAPIKey, ID: "demo"}
	write := func(t *testing.T, rule string) string {
		dir := t.TempDir()
		src := "package topicgate.authz\n\ndefault allow := false\n\n" + rule + "\n\ndecision := {\"allow\": allow}\n"
		if err := os.WriteFile(filepath.Join(dir, "authz.rego"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tt := range []struct {
		name, dir string
		want      bool
	}{
		{"the demo policy", "../../policies/demo", true},
		{"a policy that reads records", write(t, `allow if { input.principal.id == "demo"; count(input.records) < 5 }`), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(context.Background(), Options{Dir: tt.dir, Log: zap.NewNop(), DecisionLog: zap.NewNop()})
			if err != nil {
				t.Fatal(err)
			}
			if d := e.Decide(context.Background(), produceInput(demo)); d.RecordsBlind != tt.want {
				t.Errorf("request phase: RecordsBlind = %v, want %v (decision %+v)", d.RecordsBlind, tt.want, d)
			}
			if d := e.Decide(context.Background(), recordsInput()); d.RecordsBlind {
				t.Error("records phase: RecordsBlind set; it only describes request-phase decisions")
			}
		})
	}
}
