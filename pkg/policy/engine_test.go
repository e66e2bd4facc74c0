package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
)

const header = "package topicgate.authz\n\n"

// writeFiles writes name -> content under dir, creating directories.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newEngine(t testing.TB, dir string, timeout time.Duration) (*Engine, error) {
	t.Helper()
	return New(context.Background(), Options{
		Dir: dir, Timeout: timeout,
		Log: zaptest.NewLogger(t), DecisionLog: zap.NewNop(), Metrics: metrics.New(),
	})
}

func mustEngine(t testing.TB, files map[string]string) *Engine {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	e, err := newEngine(t, dir, 0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func produceInput(principal identity.Principal) *Input {
	return &Input{
		Version: InputVersion, Phase: PhaseRequest, Action: "produce", Operation: "WRITE",
		Resource:  Resource{Type: "TOPIC", Name: "orders"},
		Cluster:   Cluster{Name: "default", ID: "lkc-1"},
		Topic:     "orders",
		Principal: principalOf(principal),
		Request: Request{
			ID: "req-1", Method: "POST", Path: "/kafka/v3/clusters/lkc-1/topics/orders/records", API: "v3",
			Query: map[string][]string{}, Headers: map[string]string{"content-type": "application/json"},
		},
	}
}

// principalOf is the input's principal of a caller who proved one identity
// (none for anonymous).
func principalOf(p identity.Principal) Principal {
	c := identity.Caller{Principal: p}
	if p.Authenticated() {
		c.Sources = []string{p.Type}
	}
	return NewPrincipal(c)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDecide(t *testing.T) {
	demo := identity.Principal{Type: identity.TypeAPIKey, ID: "demo"}
	tests := []struct {
		name      string
		policy    string
		principal identity.Principal
		want      Decision // ID, Duration and Err are checked apart
		wantErr   string   // "" for no error
	}{
		{
			name:      "a boolean allow",
			policy:    "default decision := false\n\ndecision if input.principal.id == \"demo\"\n",
			principal: demo, want: Decision{Allow: true},
		},
		{
			name:      "a boolean deny",
			policy:    "default decision := false\n\ndecision if input.principal.id == \"demo\"\n",
			principal: identity.Anonymous, want: Decision{Allow: false},
		},
		{
			name:      "an object with reason, status and headers",
			policy:    `decision := {"allow": false, "reason": sprintf("%s may not", [input.principal.id]), "status": 429, "headers": {"retry-after": "3"}}`,
			principal: demo, want: Decision{Reason: "demo may not", Status: 429, Headers: map[string]string{"retry-after": "3"}},
		},
		{
			name:      "an undefined decision denies",
			policy:    "decision if input.principal.id == \"nobody\"\n",
			principal: demo, wantErr: "data.topicgate.authz.decision is undefined",
		},
		{
			name:      "a policy without the rule denies",
			policy:    "allow := true\n",
			principal: demo, wantErr: "is undefined",
		},
		{
			name:      "a runtime error denies",
			policy:    `decision := {"allow": to_number(input.action) > 0}`,
			principal: demo, wantErr: "evaluating data.topicgate.authz.decision",
		},
		{
			name:      "conflicting outputs deny",
			policy:    "decision := true if input.topic == \"orders\"\n\ndecision := false if input.action == \"produce\"\n",
			principal: demo, wantErr: "evaluating",
		},
		{
			name:      "a string decision denies",
			policy:    `decision := "allow"`,
			principal: demo, wantErr: "expected boolean or object decision, got string",
		},
		{
			name:      "a malformed allowing object denies",
			policy:    `decision := {"allow": true, "status": 200}`,
			principal: demo, wantErr: "status must be an integer from 400 to 599",
		},
		{
			name:      "data files are loaded beside the policy",
			policy:    `decision := input.topic in data.allowed_topics`,
			principal: demo, want: Decision{Allow: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEngine(t, map[string]string{
				"authz.rego": header + tt.policy,
				"data.json":  `{"allowed_topics": ["orders"]}`,
			})
			got := e.Decide(context.Background(), produceInput(tt.principal))
			if !uuidV4.MatchString(got.ID) {
				t.Errorf("decision id %q is not a UUID v4", got.ID)
			}
			if got.Duration <= 0 {
				t.Errorf("duration %v, want > 0", got.Duration)
			}
			if tt.wantErr != "" {
				if got.Err == nil || !strings.Contains(got.Err.Error(), tt.wantErr) {
					t.Fatalf("Err = %v, want an error containing %q", got.Err, tt.wantErr)
				}
				if got.Allow {
					t.Errorf("a failed decision allows")
				}
				return
			}
			if got.Err != nil {
				t.Fatalf("Err = %v, want nil", got.Err)
			}
			got.ID, got.Duration = "", 0
			if got.Allow != tt.want.Allow || got.Reason != tt.want.Reason || got.Status != tt.want.Status ||
				strings.Join(mapPairs(got.Headers), ",") != strings.Join(mapPairs(tt.want.Headers), ",") {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func mapPairs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

func TestDecide_DistinctIDs(t *testing.T) {
	e := mustEngine(t, map[string]string{"authz.rego": header + "decision := true\n"})
	a := e.Decide(context.Background(), produceInput(identity.Anonymous))
	b := e.Decide(context.Background(), produceInput(identity.Anonymous))
	if a.ID == b.ID {
		t.Errorf("two decisions share the id %q", a.ID)
	}
}

func TestDecide_TimeoutDenies(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"authz.rego": header +
		"decision := {\"allow\": count({1 | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000); i == j + 50000}) > 0}\n"})
	e, err := newEngine(t, dir, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d := e.Decide(context.Background(), produceInput(identity.Anonymous))
	if d.Allow || d.Err == nil {
		t.Errorf("Decide = %+v, want a deny with an error", d)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a 20ms policy timeout took %v", took)
	}
}

func TestNew_Fails(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		dir     string // overrides the temp dir
		wantErr string
	}{
		{name: "empty directory", files: map[string]string{}, wantErr: "no .rego files"},
		{name: "only data files", files: map[string]string{"data.json": `{}`}, wantErr: "no .rego files"},
		{name: "only tests", files: map[string]string{"authz_test.rego": header + "test_x if true\n"}, wantErr: "no .rego files"},
		{name: "missing directory", dir: "/nonexistent/topicgate-policies", wantErr: "no such file"},
		{name: "syntax error", files: map[string]string{"authz.rego": header + "decision := {\n"}, wantErr: "rego_parse_error"},
		{name: "v0 syntax", files: map[string]string{"authz.rego": header + "decision { true }\n"}, wantErr: "rego_parse_error"},
		{name: "unsafe builtin", files: map[string]string{"authz.rego": header + `decision := http.send({"method": "GET", "url": "http://x"}).body.allow`}, wantErr: "http.send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = t.TempDir()
				writeFiles(t, dir, tt.files)
			}
			e, err := newEngine(t, dir, 0)
			if err == nil {
				t.Fatalf("New succeeded with status %+v, want an error", e.Status())
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNew_ExcludesTestsAndHiddenFiles(t *testing.T) {
	// If the test or hidden files were loaded, decision would have two
	// conflicting values (an error) or the file would not even parse.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"authz.rego":       header + "decision := false\n",
		"authz_test.rego":  header + "decision := true\n\ntest_x if decision\n",
		"broken_test.rego": "package topicgate.authz\n\nthis is not rego\n",
		".hidden.rego":     header + "decision := true\n",
	})
	e, err := newEngine(t, dir, 0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	d := e.Decide(context.Background(), produceInput(identity.Anonymous))
	if d.Err != nil || d.Allow {
		t.Errorf("Decide = %+v, want a clean deny from authz.rego alone", d)
	}
	if got, want := e.Status().Files, []string{filepath.Join(dir, "authz.rego")}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Status().Files = %v, want %v", got, want)
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	policy := func(reason string) string {
		return header + `decision := {"allow": true, "reason": "` + reason + `"}` + "\n"
	}
	writeFiles(t, dir, map[string]string{"authz.rego": policy("v1")})
	e, err := newEngine(t, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.Status(); !s.Loaded || s.Dir != dir || len(s.Digest) != 16 || s.Failures != 0 || s.LastError != "" || s.LoadedAt.IsZero() {
		t.Fatalf("Status() after New = %+v", s)
	}
	steps := []struct {
		name         string
		files        map[string]string // written before Reload
		remove       string            // removed before Reload
		wantChanged  bool
		wantErr      bool
		wantReason   string // of the decision after the step
		wantFailures int64
	}{
		{name: "no change", wantReason: "v1"},
		{name: "a new test file is no change", files: map[string]string{"more_test.rego": header + "test_y if true\n"}, wantReason: "v1"},
		{name: "a changed policy reloads", files: map[string]string{"authz.rego": policy("v2")}, wantChanged: true, wantReason: "v2"},
		{name: "rewriting the same content is no change", files: map[string]string{"authz.rego": policy("v2")}, wantReason: "v2"},
		{name: "a syntax error keeps the last good policy", files: map[string]string{"authz.rego": header + "decision := {\n"}, wantErr: true, wantReason: "v2", wantFailures: 1},
		// A broken set is compiled, counted and logged once, not at every poll.
		{name: "the same broken set is not counted again", wantErr: true, wantReason: "v2", wantFailures: 1},
		{name: "reverting to the loaded set clears the error", files: map[string]string{"authz.rego": policy("v2")}, wantReason: "v2", wantFailures: 1},
		{name: "breaking it again counts again", files: map[string]string{"authz.rego": header + "decision := {\n"}, wantErr: true, wantReason: "v2", wantFailures: 2},
		{name: "a fixed policy reloads", files: map[string]string{"authz.rego": policy("v3")}, wantChanged: true, wantReason: "v3", wantFailures: 2},
		{name: "a new data file reloads", files: map[string]string{"extra.json": `{"x": 1}`}, wantChanged: true, wantReason: "v3", wantFailures: 2},
		{name: "a file in a subdirectory reloads", files: map[string]string{"sub/more.rego": "package topicgate.more\n\nx := 1\n"}, wantChanged: true, wantReason: "v3", wantFailures: 2},
		{name: "a removed data file reloads", remove: "extra.json", wantChanged: true, wantReason: "v3", wantFailures: 2},
		{name: "a removed policy file reloads", remove: "sub/more.rego", wantChanged: true, wantReason: "v3", wantFailures: 2},
		{name: "an emptied directory keeps the last good policy", remove: "authz.rego", wantErr: true, wantReason: "v3", wantFailures: 3},
		{name: "and is counted once", wantErr: true, wantReason: "v3", wantFailures: 3},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			writeFiles(t, dir, s.files)
			if s.remove != "" {
				if err := os.Remove(filepath.Join(dir, s.remove)); err != nil {
					t.Fatal(err)
				}
			}
			before := e.Status()
			changed, err := e.Reload(context.Background())
			if changed != s.wantChanged || (err != nil) != s.wantErr {
				t.Fatalf("Reload() = %v, %v; want changed=%v, error=%v", changed, err, s.wantChanged, s.wantErr)
			}
			st := e.Status()
			if st.Failures != s.wantFailures {
				t.Errorf("Status().Failures = %d, want %d", st.Failures, s.wantFailures)
			}
			if (st.LastError != "") != s.wantErr {
				t.Errorf("Status().LastError = %q, want set=%v", st.LastError, s.wantErr)
			}
			if !st.Loaded || (st.Digest != before.Digest) != s.wantChanged {
				t.Errorf("digest %s -> %s with changed=%v", before.Digest, st.Digest, changed)
			}
			d := e.Decide(context.Background(), produceInput(identity.Anonymous))
			if d.Err != nil || d.Reason != s.wantReason {
				t.Errorf("Decide = %+v, want reason %q", d, s.wantReason)
			}
		})
	}
}

// A broken set is logged once with its cause and counted once, however
// often the directory is polled.
func TestReload_FailureLoggedAndCountedOnce(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"authz.rego": header + "decision := true\n"})
	core, logs := observer.New(zapcore.InfoLevel)
	m := metrics.New()
	e, err := New(context.Background(), Options{Dir: dir, Log: zap.New(core), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"broken.rego": header + "decision := {\n"})
	for range 3 {
		if _, err := e.Reload(context.Background()); err == nil {
			t.Fatal("Reload of a broken set succeeded")
		}
	}
	failed := logs.FilterMessage("policy load failed; keeping the last good policies").All()
	if len(failed) != 1 {
		t.Fatalf("logged %d failures, want 1", len(failed))
	}
	f := failed[0].ContextMap()
	if f["policy"] != "active" || !strings.Contains(fmt.Sprint(f["error"]), "broken.rego:4: rego_parse_error") {
		t.Errorf("failure line %v", f)
	}
	if got := metricValue(t, m, "topicgate_policy_loads_total", map[string]string{"policy": "active", "result": "error"}); got != 1 {
		t.Errorf("loads{error} = %v, want 1", got)
	}
	if got := metricValue(t, m, "topicgate_policy_loads_total", map[string]string{"policy": "active", "result": "ok"}); got != 1 {
		t.Errorf("loads{ok} = %v, want 1", got)
	}
}
