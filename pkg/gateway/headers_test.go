package gateway_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/policy"
)

// Decision headers go on allowed answers too, but never replace
// topicgate's own headers, and HTTP-unsafe ones are dropped.
func TestDecisionHeaders(t *testing.T) {
	tests := []struct {
		name   string
		decide func(in *policy.Input) policy.Decision
		path   string // GET, else a produce
		status int
		want   map[string]string
	}{
		{
			name: "on an allowed answer, without overwriting topicgate's headers",
			decide: func(*policy.Input) policy.Decision {
				return policy.Decision{Allow: true, Headers: map[string]string{
					"X-Tenant": "a", "content-type": "text/html", "X-Request-Id": "forged", "x-topicgate-decision-id": "forged",
					":status": "200", "bad name": "x", "x-split": "a\r\nset-cookie: x",
				}}
			},
			path: "/kafka/v3/clusters/lkc-1/topics/orders", status: 200,
			want: map[string]string{"x-tenant": "a", "content-type": "application/json", "x-request-id": "req-1", "x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "a later decision's value wins",
			decide: func(in *policy.Input) policy.Decision {
				return policy.Decision{Allow: true, Headers: map[string]string{"x-phase": in.Phase, "x-" + in.Phase: "yes"}}
			},
			status: 200,
			want: map[string]string{"x-phase": "records", "x-request": "yes", "x-records": "yes",
				"content-type": "application/json", "x-request-id": "req-1", "x-topicgate-decision-id": "decision-2"},
		},
		{
			name: "a denial after an allowing decision carries both, the denial's first",
			decide: func(in *policy.Input) policy.Decision {
				if in.Phase == policy.PhaseRecords {
					return policy.Decision{Headers: map[string]string{"x-phase": "records", "retry-after": "5"}, Status: 429}
				}
				return policy.Decision{Allow: true, Headers: map[string]string{"x-phase": "request", "x-tenant": "a"}}
			},
			status: 429,
			want: map[string]string{"x-phase": "records", "x-tenant": "a", "retry-after": "5",
				"content-type": "application/json", "x-request-id": "req-1", "x-topicgate-decision-id": "decision-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = tt.decide
			req, body := post(recordsPath, authz()), []byte(stringRecord("a"))
			if tt.path != "" {
				req, body = get(tt.path, authz()), nil
			}
			resp := e.serve(t, req, body)
			if resp.Status != tt.status {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			if diff := cmp.Diff(tt.want, resp.Headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}
