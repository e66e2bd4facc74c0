package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// rewrittenRecords is recordsInput after a request phase that sent the
// records to tenant-a.orders on the cluster eu.
func rewrittenRecords() *Input {
	in := recordsInput()
	in.Target = &Target{Topic: "tenant-a.orders", Cluster: Cluster{Name: "eu", ID: "lkc-eu"}}
	return in
}

func TestCheckDecision(t *testing.T) {
	request := produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})
	tests := []struct {
		name    string
		in      *Input
		d       Decision
		want    []RecordDenial // d.DeniedRecords after the check
		wantErr string
	}{
		{name: "no fields", in: recordsInput(), d: Decision{Allow: true}},
		{
			name: "denied records are sorted, once each, first reason kept", in: recordsInput(),
			d:    Decision{Allow: true, DeniedRecords: []RecordDenial{{Index: 1, Reason: "b"}, {Index: 0, Reason: "a"}, {Index: 1, Reason: "again"}}},
			want: []RecordDenial{{Index: 0, Reason: "a"}, {Index: 1, Reason: "b"}},
		},
		{
			name: "an index that names no record", in: recordsInput(),
			d:       Decision{Allow: true, DeniedRecords: []RecordDenial{{Index: 0}, {Index: 2}}},
			wantErr: "denied_records[1].index 2 names no record of input.records",
		},
		{
			name: "denied records in the request phase", in: request,
			d:       Decision{Allow: true, DeniedRecords: []RecordDenial{{Index: 0}}},
			wantErr: `denied_records applies to phase "records" only, not "request"`,
		},
		{name: "an empty list in the request phase", in: request, d: Decision{Allow: true, DeniedRecords: []RecordDenial{}}, want: []RecordDenial{}},
		{
			name: "a denial is not checked", in: request,
			d:    Decision{DeniedRecords: []RecordDenial{{Index: 9}}, Topic: "x"},
			want: []RecordDenial{{Index: 9}},
		},
		{name: "the request phase may choose a topic and cluster", in: request, d: Decision{Allow: true, Topic: "tenant-a.orders", Cluster: "eu"}},
		{name: "the records phase may repeat the target", in: rewrittenRecords(), d: Decision{Allow: true, Topic: "tenant-a.orders", Cluster: "eu"}},
		{
			name: "the records phase may not move the records", in: rewrittenRecords(), d: Decision{Allow: true, Topic: "orders"},
			wantErr: `topic "orders" differs from input.target.topic "tenant-a.orders"`,
		},
		{
			name: "the records phase may not change the cluster", in: rewrittenRecords(), d: Decision{Allow: true, Cluster: "default"},
			wantErr: `cluster "default" differs from input.target.cluster.name "eu"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDecision(&tt.d, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tt.d.DeniedRecords); diff != "" {
				t.Errorf("denied records (-want +got):\n%s", diff)
			}
		})
	}
}

// The decision log line of a records phase says how many records the
// decision refused and where it sent them; a decision naming a record the
// request does not have denies with a policy_error.
func TestDecide_LogsDeniedRecordsAndTarget(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"authz.rego": header + `
decision := {"allow": true, "topic": "tenant-a.orders", "denied_records": [{"index": 1, "reason": "no"}]} if input.request.id == "req-1"
decision := {"allow": true, "denied_records": [{"index": 7}]} if input.request.id == "req-2"
`})
	e, err := New(context.Background(), Options{Dir: dir, Log: zaptest.NewLogger(t), DecisionLog: zap.New(core), Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	in := recordsInput()
	in.Target = &Target{Topic: "tenant-a.orders", Cluster: in.Cluster}
	d := e.Decide(context.Background(), in)
	if !d.Allow || d.Err != nil || len(d.DeniedRecords) != 1 {
		t.Fatalf("Decide = %+v", d)
	}
	in.Request.ID = "req-2"
	bad := e.Decide(context.Background(), in)
	if bad.Allow || bad.Err == nil || !strings.Contains(bad.Err.Error(), "denied_records[0].index 7 names no record") {
		t.Fatalf("Decide = %+v, want a policy error", bad)
	}

	lines := logs.All()
	if len(lines) != 2 {
		t.Fatalf("%d decision lines, want 2", len(lines))
	}
	first, second := lines[0].ContextMap(), lines[1].ContextMap()
	if fmt.Sprint(first["denied_records"]) != "[1]" || first["topic"] != "tenant-a.orders" || first["records"] != int64(2) {
		t.Errorf("first line %v", first)
	}
	if _, ok := second["denied_records"]; ok || second["allow"] != false || !strings.Contains(second["policy_error"].(string), "index 7") {
		t.Errorf("second line %v", second)
	}
}
