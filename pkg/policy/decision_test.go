package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseResult(t *testing.T) {
	tests := []struct {
		name    string
		in      any // as OPA returns it: numbers are json.Number
		want    Decision
		wantErr string
	}{
		{name: "true", in: true, want: Decision{Allow: true}},
		{name: "false", in: false, want: Decision{Allow: false}},
		{name: "object allowing", in: map[string]any{"allow": true}, want: Decision{Allow: true}},
		{
			name: "object with every field",
			in: map[string]any{
				"allow": false, "reason": "quota exceeded", "status": json.Number("429"),
				"headers": map[string]any{"retry-after": "3", "x-why": "quota"},
			},
			want: Decision{Allow: false, Reason: "quota exceeded", Status: 429, Headers: map[string]string{"retry-after": "3", "x-why": "quota"}},
		},
		{name: "status 400 is the lowest", in: map[string]any{"allow": false, "status": json.Number("400")}, want: Decision{Status: 400}},
		{name: "status 599 is the highest", in: map[string]any{"allow": false, "status": json.Number("599")}, want: Decision{Status: 599}},
		{name: "unknown fields are ignored", in: map[string]any{"allow": true, "extra": []any{1}}, want: Decision{Allow: true}},
		{name: "empty headers", in: map[string]any{"allow": true, "headers": map[string]any{}}, want: Decision{Allow: true, Headers: map[string]string{}}},

		{
			name: "records, rewrite, cluster, schema and limits",
			in: map[string]any{
				"allow": true,
				"denied_records": []any{
					map[string]any{"index": json.Number("2"), "reason": "pii"},
					map[string]any{"index": json.Number("0")},
				},
				"topic": "tenant-a.orders", "cluster": "eu", "value_schema": "orders.v1",
				"limits": map[string]any{
					"max_records": json.Number("10"), "max_record_bytes": json.Number("1024"), "max_request_bytes": json.Number("65536"),
					"records_per_second": json.Number("2.5"), "bytes_per_second": json.Number("1000"),
				},
			},
			want: Decision{
				Allow:         true,
				DeniedRecords: []RecordDenial{{Index: 2, Reason: "pii"}, {Index: 0}},
				Topic:         "tenant-a.orders", Cluster: "eu", ValueSchema: "orders.v1",
				Limits: &Limits{MaxRecords: 10, MaxRecordBytes: 1024, MaxRequestBytes: 65536, RecordsPerSec: 2.5, BytesPerSec: 1000},
			},
		},
		{name: "empty denied_records", in: map[string]any{"allow": true, "denied_records": []any{}}, want: Decision{Allow: true, DeniedRecords: []RecordDenial{}}},
		{name: "empty limits", in: map[string]any{"allow": true, "limits": map[string]any{}}, want: Decision{Allow: true, Limits: &Limits{}}},

		{name: "denied_records is an object", in: map[string]any{"allow": true, "denied_records": map[string]any{"0": "x"}}, wantErr: "expected array denied_records, got object"},
		{name: "denied record is a number", in: map[string]any{"allow": true, "denied_records": []any{json.Number("1")}}, wantErr: "denied_records[0]: expected object {index, reason}, got number"},
		{name: "denied record without index", in: map[string]any{"allow": true, "denied_records": []any{map[string]any{"reason": "x"}}}, wantErr: "denied_records[0].index must be an integer"},
		{name: "denied record with negative index", in: map[string]any{"allow": true, "denied_records": []any{map[string]any{"index": json.Number("-1")}}}, wantErr: "denied_records[0].index must be an integer from 0"},
		{name: "denied record reason not a string", in: map[string]any{"allow": true, "denied_records": []any{map[string]any{"index": json.Number("1"), "reason": true}}}, wantErr: "expected string denied_records[0].reason, got boolean"},
		{name: "topic not a string", in: map[string]any{"allow": true, "topic": json.Number("1")}, wantErr: "expected string topic, got number"},
		{name: "topic invalid", in: map[string]any{"allow": true, "topic": "a/b"}, wantErr: `topic "a/b" is not a valid Kafka topic name`},
		{name: "topic empty", in: map[string]any{"allow": true, "topic": ""}, wantErr: `topic "" is not a valid Kafka topic name`},
		{name: "topic too long", in: map[string]any{"allow": true, "topic": strings.Repeat("a", 250)}, wantErr: "is not a valid Kafka topic name"},
		{name: "cluster empty", in: map[string]any{"allow": true, "cluster": ""}, wantErr: "cluster must not be empty"},
		{name: "value_schema not a string", in: map[string]any{"allow": true, "value_schema": []any{}}, wantErr: "expected string value_schema, got array"},
		{name: "limits is a number", in: map[string]any{"allow": true, "limits": json.Number("5")}, wantErr: "expected object limits, got number"},
		{name: "limit unknown", in: map[string]any{"allow": true, "limits": map[string]any{"max_recs": json.Number("5")}}, wantErr: `unknown limit "max_recs"`},
		{name: "limit zero", in: map[string]any{"allow": true, "limits": map[string]any{"max_records": json.Number("0")}}, wantErr: "limits.max_records must be an integer from 1"},
		{name: "limit fractional", in: map[string]any{"allow": true, "limits": map[string]any{"max_record_bytes": json.Number("1.5")}}, wantErr: "limits.max_record_bytes must be an integer"},
		{name: "rate zero", in: map[string]any{"allow": true, "limits": map[string]any{"records_per_second": json.Number("0")}}, wantErr: "limits.records_per_second must be a number above 0, got 0"},
		{name: "rate a string", in: map[string]any{"allow": true, "limits": map[string]any{"bytes_per_second": "5"}}, wantErr: "limits.bytes_per_second must be a number above 0"},
		{name: "object without allow", in: map[string]any{"reason": "r"}, wantErr: "expected boolean allow, got undefined/null"},
		{name: "allow is a string", in: map[string]any{"allow": "true"}, wantErr: "expected boolean allow, got string"},
		{name: "allow is a number", in: map[string]any{"allow": json.Number("1")}, wantErr: "expected boolean allow, got number"},
		{name: "reason is a number", in: map[string]any{"allow": false, "reason": json.Number("5")}, wantErr: "expected string reason, got number"},
		{name: "status 399", in: map[string]any{"allow": false, "status": json.Number("399")}, wantErr: "status must be an integer from 400 to 599, got 399"},
		{name: "status 600", in: map[string]any{"allow": false, "status": json.Number("600")}, wantErr: "status must be an integer from 400 to 599, got 600"},
		{name: "status 200 on an allow", in: map[string]any{"allow": true, "status": json.Number("200")}, wantErr: "status must be an integer"},
		{name: "status not an integer", in: map[string]any{"allow": false, "status": json.Number("403.5")}, wantErr: "status must be an integer"},
		{name: "status is a string", in: map[string]any{"allow": false, "status": "403"}, wantErr: "status must be an integer"},
		{name: "headers is a list", in: map[string]any{"allow": false, "headers": []any{"a"}}, wantErr: "expected object headers, got array"},
		{name: "header value is a number", in: map[string]any{"allow": false, "headers": map[string]any{"retry-after": json.Number("3")}}, wantErr: `header "retry-after" must be a string, got number`},
		{name: "header value is null", in: map[string]any{"allow": false, "headers": map[string]any{"x": nil}}, wantErr: `header "x" must be a string, got undefined/null`},
		{name: "a string", in: "allow", wantErr: "expected boolean or object decision, got string"},
		{name: "a number", in: json.Number("1"), wantErr: "expected boolean or object decision, got number"},
		{name: "an array", in: []any{true}, wantErr: "expected boolean or object decision, got array"},
		{name: "null", in: nil, wantErr: "expected boolean or object decision, got undefined/null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseResult(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseResult(%#v) = %+v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseResult(%#v) failed: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("parseResult(%#v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
