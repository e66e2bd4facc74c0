package gateway_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/policy"
)

func TestPolicyDenies(t *testing.T) {
	const realm = `Basic realm="topicgate"`
	tests := []struct {
		name     string
		auth     string
		method   string // GET or POST (produce)
		decision policy.Decision
		status   int
		code     int
		message  string
		headers  map[string]string // every header but content-type and x-request-id
	}{
		{
			name: "anonymous is asked to authenticate", decision: policy.Decision{Reason: "log in first"},
			status: 401, code: 40101, message: "Request is not authorized: log in first",
			headers: map[string]string{"www-authenticate": realm, "x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "an API key is forbidden", auth: demoAuth,
			status: 403, code: 40301, message: "Request is not authorized",
			headers: map[string]string{"x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "a produce is refused before its body", auth: demoAuth, method: "POST",
			status: 403, code: 40301, message: "Request is not authorized",
			headers: map[string]string{"x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "the policy chooses status and headers", auth: demoAuth,
			decision: policy.Decision{Status: 429, Reason: "quota", Headers: map[string]string{"retry-after": "7"}},
			status:   429, code: 42901, message: "Request is not authorized: quota",
			headers: map[string]string{"retry-after": "7", "x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "a policy 401 for an API key asks to authenticate", auth: demoAuth,
			decision: policy.Decision{Status: 401},
			status:   401, code: 40101, message: "Request is not authorized",
			headers: map[string]string{"www-authenticate": realm, "x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "a failed policy denies without showing why", auth: demoAuth,
			decision: policy.Decision{Err: errors.New("secret internals")},
			status:   403, code: 40301, message: "Request is not authorized",
			headers: map[string]string{"x-topicgate-decision-id": "decision-1"},
		},
		{
			name: "bad credentials never reach the policy", auth: "Basic bm9ib2R5Onh4eA==",
			status: 401, code: 40101, message: "Authentication failed",
			headers: map[string]string{"www-authenticate": realm},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = func(*policy.Input) policy.Decision { return tt.decision }
			headers := map[string]string{}
			if tt.auth != "" {
				headers["authorization"] = tt.auth
			}
			req := get("/kafka/v3/clusters/lkc-1/topics/orders", headers)
			if tt.method == "POST" {
				req = post("/kafka/v3/clusters/lkc-1/topics/orders/records", headers)
			}
			resp := e.serve(t, req, nil)
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || msg != tt.message {
				t.Errorf("got %d/%d %q, want %d/%d %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			got := map[string]string{}
			for k, v := range resp.Headers {
				if k != "content-type" && k != "x-request-id" {
					got[k] = v
				}
			}
			if diff := cmp.Diff(tt.headers, got); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(string(resp.Body), "secret internals") {
				t.Errorf("the body shows the policy error: %s", resp.Body)
			}
			if n := len(e.cluster.messages()); n != 0 {
				t.Errorf("%d messages produced", n)
			}
		})
	}
}
