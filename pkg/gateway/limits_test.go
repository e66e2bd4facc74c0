package gateway_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/quota"
	"github.com/topicgate/topicgate/pkg/schema"
)

// limitsEnv is env with schemas, a quota limiter on a settable clock, and a
// policy that allows with the limits and schema of each phase.
type limitsEnv struct {
	*env
	now     time.Time
	metrics *metrics.Metrics
	// request and records are what each phase's decision says.
	request, records policy.Decision
}

func newLimitsEnv(t *testing.T, schemas map[string]string) *limitsEnv {
	t.Helper()
	dir := t.TempDir()
	for name, content := range schemas {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store, err := schema.New(schema.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	e := &limitsEnv{env: &env{cluster: newFakeCluster("default", "lkc-1")}, now: time.Unix(1e9, 0), metrics: metrics.New()}
	e.policy = &fakePolicy{decide: func(in *policy.Input) policy.Decision {
		d := e.request
		if in.Phase == policy.PhaseRecords {
			d = e.records
		}
		d.Allow = true
		return d
	}}
	e.g = gateway.New(gateway.Options{
		Clusters:       []gateway.Cluster{e.cluster},
		Auth:           fakeAuth{demoAuth: {Type: identity.TypeAPIKey, ID: "demo"}},
		Policy:         e.policy,
		Log:            zap.NewNop(),
		Metrics:        e.metrics,
		MaxBodyBytes:   4096,
		MaxRecords:     10,
		ProduceTimeout: time.Second,
		Reads:          gateway.ReadLimits{MaxWait: 5 * time.Second, MaxBytes: 1 << 20, MaxRecords: 100},
		Schemas:        store,
		Quotas:         quota.New(quota.Options{MaxBuckets: 100, Now: func() time.Time { return e.now }}),
	})
	return e
}

func (e *limitsEnv) advance(d time.Duration) { e.now = e.now.Add(d) }

// wantRefused checks an error answer and that nothing was written.
func (e *limitsEnv) wantRefused(t *testing.T, resp *gateway.Response, status, code int, message string) {
	t.Helper()
	got, msg := errorBody(t, resp)
	if resp.Status != status || got != code || !strings.Contains(msg, message) {
		t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, got, msg, status, code, message)
	}
	if n := len(e.cluster.messages()); n != 0 {
		t.Errorf("%d records written", n)
	}
}

const batchPath = "/kafka/v3/clusters/lkc-1/topics/orders/records:batch"

func TestLimits_MaxRequestBytes(t *testing.T) {
	body := strings.Repeat(stringRecord("0123456789")+"\n", 3) // 144 bytes
	t.Run("declared, refused before the body", func(t *testing.T) {
		e := newLimitsEnv(t, nil)
		e.request.Limits = &policy.Limits{MaxRequestBytes: 100}
		resp, next := e.g.Headers(context.Background(), post(recordsPath, map[string]string{"content-length": "144"}))
		if next != nil {
			t.Fatal("the body was asked for")
		}
		e.wantRefused(t, resp, 413, 413, "The request body is 144 bytes; this caller may send at most 100 bytes to topic orders.")
	})
	t.Run("chunked, refused when it arrives", func(t *testing.T) {
		e := newLimitsEnv(t, nil)
		e.request.Limits = &policy.Limits{MaxRequestBytes: 100}
		e.wantRefused(t, e.serve(t, post(recordsPath, nil), []byte(body)), 413, 413, "The request body is 144 bytes")
		if n := len(e.policy.seen()); n != 1 {
			t.Errorf("%d decisions, want the request phase's alone", n)
		}
	})
	t.Run("set by the records phase", func(t *testing.T) {
		e := newLimitsEnv(t, nil)
		e.records.Limits = &policy.Limits{MaxRequestBytes: 100}
		e.wantRefused(t, e.serve(t, post(recordsPath, nil), []byte(body)), 413, 413, "at most 100 bytes")
	})
	t.Run("within the limit", func(t *testing.T) {
		e := newLimitsEnv(t, nil)
		e.request.Limits = &policy.Limits{MaxRequestBytes: 144}
		if resp := e.serve(t, post(recordsPath, map[string]string{"content-length": "144"}), []byte(body)); resp.Status != 200 {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
	})
}

// max_records answers as limits.max_records does, in each produce form.
func TestLimits_MaxRecordsAsTheGatewayLimit(t *testing.T) {
	three := strings.Repeat(stringRecord("x"), 3)
	tests := []struct {
		name, path, contentType, body string
		status, code                  int
		message                       string
	}{
		{"v3 records", recordsPath, "application/json", three, 400, 400, "Bad Request: a request may hold at most 2 records, got 3"},
		{"records:batch", batchPath, "application/json",
			`{"entries":[{"id":"a","value":{"type":"STRING","data":"x"}},{"id":"b"},{"id":"c"}]}`, 422, 42208, "Produce batch error: a request may hold at most 2 records, got 3"},
		{"v2", produceV2Path, produceV2JSON, `{"records":[{"value":1},{"value":2},{"value":3}]}`, 422, 422, "The record list is not valid: a request may hold at most 2 records, got 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitsEnv(t, nil)
			e.request.Limits = &policy.Limits{MaxRecords: 5}
			e.records.Limits = &policy.Limits{MaxRecords: 2} // the smaller applies
			resp := e.serve(t, post(tt.path, map[string]string{"content-type": tt.contentType}), []byte(tt.body))
			e.wantRefused(t, resp, tt.status, tt.code, tt.message)
			if got := counter(t, e.metrics, "topicgate_limit_refusals_total", map[string]string{"limit": "max_records", "topic": "orders"}); got != 1 {
				t.Errorf("refusals counted %v, want 1", got)
			}
		})
	}
}

func TestLimits_MaxRecordBytes(t *testing.T) {
	e := newLimitsEnv(t, nil)
	e.request.Limits = &policy.Limits{MaxRecordBytes: 10, MaxRecords: 100}
	// record 1: key 3 + value 6 + header "h" and 1 byte = 11 bytes
	body := stringRecord("x") + `{"key":{"type":"STRING","data":"abc"},"value":{"type":"STRING","data":"123456"},"headers":[{"name":"h","value":"eA=="}]}`
	e.wantRefused(t, e.serve(t, post(recordsPath, nil), []byte(body)), 413, 413,
		"The request included a message larger than the maximum message size the server can accept: record 1 is 11 bytes; this caller may write at most 10 bytes per record (key, value and headers) to topic orders.")

	e = newLimitsEnv(t, nil)
	e.request.Limits = &policy.Limits{MaxRecordBytes: 11}
	if resp := e.serve(t, post(recordsPath, nil), []byte(body)); resp.Status != 200 {
		t.Fatalf("at the limit: status %d: %s", resp.Status, resp.Body)
	}
}

// counter reads one series of a counter from the registry.
func counter(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue series
				}
			}
			return s.GetCounter().GetValue()
		}
	}
	return 0
}
