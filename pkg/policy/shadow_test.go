package policy

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
)

func TestCompareDecisions(t *testing.T) {
	allow := Decision{Allow: true}
	deny := Decision{}
	tests := []struct {
		name           string
		active, shadow Decision
		result         string
		diffs          []string
	}{
		{"both allow", allow, allow, ShadowSame, nil},
		{"both deny", deny, deny, ShadowSame, nil},
		{"only the reason differs", Decision{Reason: "a"}, Decision{Reason: "b"}, ShadowSame, nil},
		{"allow to deny", allow, deny, ShadowAllowToDeny, []string{"allow"}},
		{"deny to allow", deny, allow, ShadowDenyToAllow, []string{"allow"}},
		{"a failing shadow denies", allow, Decision{Err: errors.New("x")}, ShadowAllowToDeny, []string{"allow"}},
		{"a deny and a failure", deny, Decision{Err: errors.New("x")}, ShadowChanged, []string{"policy_error"}},
		{"two failures", Decision{Err: errors.New("x")}, Decision{Err: errors.New("y")}, ShadowSame, nil},
		{"status", deny, Decision{Status: 429}, ShadowChanged, []string{"status"}},
		{"headers", Decision{Headers: map[string]string{"a": "1"}}, Decision{Headers: map[string]string{"a": "2"}}, ShadowChanged, []string{"headers"}},
		{"status of an allow does not count", allow, Decision{Allow: true, Status: 429}, ShadowSame, nil},
		{"denied records", allow, Decision{Allow: true, DeniedRecords: []RecordDenial{{Index: 2}}}, ShadowChanged, []string{"denied_records"}},
		{"denied records in another order", Decision{Allow: true, DeniedRecords: []RecordDenial{{Index: 2}, {Index: 1}}},
			Decision{Allow: true, DeniedRecords: []RecordDenial{{Index: 1, Reason: "r"}, {Index: 2}}}, ShadowSame, nil},
		{"topic and cluster", allow, Decision{Allow: true, Topic: "t", Cluster: "c"}, ShadowChanged, []string{"topic", "cluster"}},
		{"value schema", allow, Decision{Allow: true, ValueSchema: "s"}, ShadowChanged, []string{"value_schema"}},
		{"limits", Decision{Allow: true, Limits: &Limits{MaxRecords: 1}}, Decision{Allow: true, Limits: &Limits{MaxRecords: 2}}, ShadowChanged, []string{"limits"}},
		{"empty limits are no limits", allow, Decision{Allow: true, Limits: &Limits{}}, ShadowSame, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, diffs := compareDecisions(tt.active, tt.shadow)
			if result != tt.result || !cmp.Equal(diffs, tt.diffs) {
				t.Errorf("compareDecisions = %s %v, want %s %v", result, diffs, tt.result, tt.diffs)
			}
		})
	}
}

// shadowPair is an active engine and its shadow, each on its own directory.
type shadowPair struct {
	active *Engine
	shadow *Shadow
	diffs  *observer.ObservedLogs
	m      *metrics.Metrics
	dir    string // the shadow's
}

func newShadowPair(t *testing.T, active, shadow string, topics []string, queue int) *shadowPair {
	t.Helper()
	core, diffs := observer.New(zapcore.InfoLevel)
	m := metrics.New()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"authz.rego": header + shadow})
	s := NewShadow(context.Background(), ShadowOptions{
		Dir: dir, Topics: topics, QueueSize: queue,
		Log: zaptest.NewLogger(t), DiffLog: zap.New(core).Named("shadow"), Metrics: m,
	})
	activeDir := t.TempDir()
	writeFiles(t, activeDir, map[string]string{"authz.rego": header + active})
	e, err := New(context.Background(), Options{
		Dir: activeDir, Log: zaptest.NewLogger(t), DecisionLog: zap.NewNop(), Metrics: m, Shadow: s,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &shadowPair{active: e, shadow: s, diffs: diffs, m: m, dir: dir}
}

// next runs the shadow on the decision it has queued, as a worker would.
func (p *shadowPair) next(t *testing.T) {
	t.Helper()
	select {
	case j := <-p.shadow.queue:
		p.shadow.compare(j)
	default:
		t.Fatal("nothing was queued for the shadow")
	}
}

const (
	allowDemo = `default decision := {"allow": false, "reason": "not demo"}

decision := {"allow": true, "reason": "demo"} if input.principal.id == "demo"
`
	denyAll = `decision := {"allow": false, "reason": "the shadow denies everything"}`
)

var demo = identity.Principal{Type: identity.TypeAPIKey, ID: "demo"}

func TestShadow_LogsDifferencesAndKeepsTheAnswer(t *testing.T) {
	p := newShadowPair(t, allowDemo, denyAll, nil, 10)

	d := p.active.Decide(context.Background(), produceInput(demo))
	if !d.Allow || d.Reason != "demo" {
		t.Fatalf("the answer is not the active policy's: %+v", d)
	}
	p.next(t)
	lines := p.diffs.TakeAll()
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1 difference", len(lines))
	}
	l := lines[0]
	f := l.ContextMap()
	if l.Message != "shadow decision differs" || l.LoggerName != "shadow" {
		t.Errorf("line %q from %q", l.Message, l.LoggerName)
	}
	want := map[string]any{
		"decision_id": d.ID, "request_id": "req-1", "phase": "request", "action": "produce", "operation": "WRITE",
		"resource_type": "TOPIC", "resource_name": "orders", "principal_type": "api_key", "principal": "demo",
		"result": ShadowAllowToDeny,
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %v, want %v", k, f[k], v)
		}
	}
	if id, _ := f["shadow_decision_id"].(string); !uuidV4.MatchString(id) || id == d.ID {
		t.Errorf("shadow_decision_id %q", id)
	}
	if diffs, _ := f["differences"].([]any); len(diffs) != 1 || diffs[0] != "allow" {
		t.Errorf("differences %v", f["differences"])
	}
	active, _ := f["active"].(map[string]any)
	shadow, _ := f["shadow"].(map[string]any)
	if active["allow"] != true || active["reason"] != "demo" || shadow["allow"] != false ||
		shadow["reason"] != "the shadow denies everything" || shadow["policy_digest"] != p.shadow.Status().Digest {
		t.Errorf("outcomes: active %v, shadow %v", active, shadow)
	}

	// The same outcome is counted, not logged.
	p.active.Decide(context.Background(), produceInput(identity.Anonymous))
	p.next(t)
	if n := p.diffs.Len(); n != 0 {
		t.Errorf("an unchanged decision was logged: %v", p.diffs.All())
	}
	st := p.shadow.Status()
	if st.Compared != 2 || st.Differed != 1 || st.Skipped != 0 || !st.Loaded {
		t.Errorf("Status() = %+v", st)
	}
	for result, want := range map[string]float64{ShadowAllowToDeny: 1, ShadowSame: 1} {
		labels := map[string]string{"action": "produce", "phase": "request", "result": result}
		if got := metricValue(t, p.m, "topicgate_policy_shadow_decisions_total", labels); got != want {
			t.Errorf("shadow decisions %s = %v, want %v", result, got, want)
		}
	}
}

// metricValue is the value of the counter name with exactly labels, 0 when
// it was never counted.
func metricValue(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, c := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range c.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, labels) {
				return c.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestShadow_TopicsFilter(t *testing.T) {
	p := newShadowPair(t, allowDemo, denyAll, []string{"sandbox.*", "orders"}, 10)
	tests := []struct {
		name  string
		in    func() *Input
		wants bool
	}{
		{"a listed topic", func() *Input { return produceInput(demo) }, true},
		{"a topic matching a pattern", func() *Input { in := produceInput(demo); in.Topic = "sandbox.x"; return in }, true},
		{"another topic", func() *Input { in := produceInput(demo); in.Topic = "payments"; return in }, false},
		{"a topic resource without input.topic", func() *Input {
			in := produceInput(demo)
			in.Topic, in.Resource = "", Resource{Type: "TOPIC", Name: "sandbox.y"}
			return in
		}, true},
		{"no topic", func() *Input {
			in := produceInput(demo)
			in.Topic, in.Resource = "", Resource{Type: "CLUSTER", Name: "kafka-cluster"}
			return in
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.active.Decide(context.Background(), tt.in())
			queued := len(p.shadow.queue)
			for len(p.shadow.queue) > 0 {
				<-p.shadow.queue
			}
			if (queued == 1) != tt.wants {
				t.Errorf("queued %d decisions, want shadowed=%v", queued, tt.wants)
			}
		})
	}
}

// A full queue skips the shadow rather than delay the request.
func TestShadow_FullQueueSkips(t *testing.T) {
	p := newShadowPair(t, allowDemo, denyAll, nil, 2)
	for range 5 {
		if d := p.active.Decide(context.Background(), produceInput(demo)); !d.Allow {
			t.Fatalf("Decide = %+v", d)
		}
	}
	st := p.shadow.Status()
	if len(p.shadow.queue) != 2 || st.Skipped != 3 {
		t.Errorf("queued %d, skipped %d; want 2 and 3", len(p.shadow.queue), st.Skipped)
	}
	if got := metricValue(t, p.m, "topicgate_policy_shadow_skipped_total", map[string]string{"reason": "queue_full"}); got != 3 {
		t.Errorf("skipped{queue_full} = %v, want 3", got)
	}
}

// Queued inputs are bounded in bytes too: a produce's input holds its
// records.
func TestShadow_QueuedBytesBound(t *testing.T) {
	p := newShadowPair(t, allowDemo, denyAll, nil, 10)
	big := func() *Input {
		in := recordsInput()
		in.Principal = principalOf(demo)
		in.RecordsSummary = &RecordsSummary{Count: 1, Bytes: MaxShadowQueuedBytes/2 + 1}
		return in
	}
	p.active.Decide(context.Background(), big())
	p.active.Decide(context.Background(), big())
	if len(p.shadow.queue) != 1 || p.shadow.Status().Skipped != 1 {
		t.Fatalf("queued %d, skipped %d; want the second input skipped", len(p.shadow.queue), p.shadow.Status().Skipped)
	}
	p.next(t)
	p.active.Decide(context.Background(), big())
	if len(p.shadow.queue) != 1 {
		t.Errorf("the bytes of an evaluated input were not given back")
	}
}

// A shadow that does not load affects nothing: topicgate starts, decides
// with the active policy, and the shadow loads once its files are fixed.
func TestShadow_BrokenShadowAffectsNothing(t *testing.T) {
	p := newShadowPair(t, allowDemo, "decision := {", nil, 10)
	st := p.shadow.Status()
	if st.Loaded || st.Failures != 1 || !strings.Contains(st.LastError, "rego_parse_error") {
		t.Fatalf("Status() = %+v, want a failed load", st)
	}
	if d := p.active.Decide(context.Background(), produceInput(demo)); !d.Allow || d.Err != nil {
		t.Fatalf("Decide = %+v", d)
	}
	if len(p.shadow.queue) != 0 || p.shadow.Status().Skipped != 1 {
		t.Errorf("an unloaded shadow queued work: %+v", p.shadow.Status())
	}
	if got := metricValue(t, p.m, "topicgate_policy_shadow_skipped_total", map[string]string{"reason": "not_loaded"}); got != 1 {
		t.Errorf("skipped{not_loaded} = %v, want 1", got)
	}

	writeFiles(t, p.dir, map[string]string{"authz.rego": header + denyAll})
	if changed, err := p.shadow.engine.Reload(context.Background()); !changed || err != nil {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	p.active.Decide(context.Background(), produceInput(demo))
	p.next(t)
	if st := p.shadow.Status(); !st.Loaded || st.LastError != "" || st.Differed != 1 {
		t.Errorf("Status() after the fix = %+v", st)
	}
}

// A shadow that fails at evaluation is a difference with its error; the
// answer is the active one.
func TestShadow_FailingShadow(t *testing.T) {
	p := newShadowPair(t, allowDemo, `decision := {"allow": to_number("x") > 0}`, nil, 10)
	if d := p.active.Decide(context.Background(), produceInput(demo)); !d.Allow {
		t.Fatalf("Decide = %+v", d)
	}
	p.next(t)
	lines := p.diffs.TakeAll()
	if len(lines) != 1 {
		t.Fatalf("logged %d lines", len(lines))
	}
	shadow, _ := lines[0].ContextMap()["shadow"].(map[string]any)
	if e, _ := shadow["policy_error"].(string); !strings.Contains(e, "evaluating") {
		t.Errorf("shadow outcome %v, want its policy_error", shadow)
	}
}

// Run's workers evaluate what is queued.
func TestShadow_Run(t *testing.T) {
	p := newShadowPair(t, allowDemo, denyAll, nil, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.shadow.Run(ctx); close(done) }()
	for range 3 {
		p.active.Decide(context.Background(), produceInput(demo))
	}
	for p.shadow.Status().Compared < 3 {
		select {
		case <-done:
			t.Fatal("Run returned early")
		default:
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if n := p.diffs.Len(); n != 3 {
		t.Errorf("logged %d differences, want 3", n)
	}
}
