package gateway_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

// identityEnv is a gateway over the real identity.Authenticator (no API
// keys, JWTs on) and a recording policy.
func identityEnv(tb testing.TB) *env {
	tb.Helper()
	e := &env{cluster: newFakeCluster("default", "lkc-1"), policy: &fakePolicy{}}
	auth := identity.NewAuthenticator(nil, identity.JWT{
		Enabled: true, PayloadKey: "jwt_payload", IDClaim: "sub", GroupsClaim: "groups", MaxClaimsBytes: 4096,
	})
	e.g = gateway.New(gateway.Options{
		Clusters: []gateway.Cluster{e.cluster}, Auth: auth, Policy: e.policy,
		Log: zap.NewNop(), Metrics: metrics.New(), MaxBodyBytes: 4096, MaxRecords: 10, ProduceTimeout: time.Second,
	})
	return e
}

const challenge = `Basic realm="topicgate", Bearer realm="topicgate"`

// The policy sees every identity the request proved.
func TestIdentity_PolicyInput(t *testing.T) {
	claims := map[string]any{"sub": "alice", "groups": []any{"orders-writers"}, "exp": 1.7799e9}
	peer := identity.Peer{URISAN: "spiffe://cluster.local/ns/shop/sa/orders-writer", Subject: "CN=orders-writer,O=shop"}
	tests := []struct {
		name  string
		creds identity.Credentials
		want  policy.Principal
	}{
		{
			name:  "JWT and client certificate",
			creds: identity.Credentials{JWT: map[string]any{"jwt_payload": claims}, Peer: peer},
			want: policy.Principal{Type: "jwt", ID: "alice", Sources: []string{"jwt", "mtls"}, Groups: []string{"orders-writers"},
				Claims: claims, SPIFFEID: peer.URISAN, Peer: &peer},
		},
		{
			name:  "a certificate without a SPIFFE id",
			creds: identity.Credentials{Peer: identity.Peer{URISAN: "https://orders.example.com", Subject: "CN=orders"}},
			want: policy.Principal{Type: "mtls", ID: "https://orders.example.com", Sources: []string{"mtls"}, Groups: []string{},
				Peer: &identity.Peer{URISAN: "https://orders.example.com", Subject: "CN=orders"}},
		},
		{
			name:  "anonymous",
			want:  policy.Principal{Type: "anonymous", ID: "anonymous", Sources: []string{}, Groups: []string{}},
			creds: identity.Credentials{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := identityEnv(t)
			req := get("/kafka/v3/clusters/lkc-1/topics/orders", nil)
			req.Credentials = tt.creds
			if resp := e.serve(t, req, nil); resp.Status != 200 {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			seen := e.policy.seen()
			if len(seen) != 1 {
				t.Fatalf("the policy was asked %d times, want 1", len(seen))
			}
			if diff := cmp.Diff(tt.want, seen[0].Principal); diff != "" {
				t.Errorf("principal mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Every 401 names both schemes when JWTs are on, whoever answers it.
func TestIdentity_Unauthorized(t *testing.T) {
	tests := []struct {
		name     string
		creds    identity.Credentials
		decision policy.Decision
		message  string
		asked    int // policy decisions
	}{
		{name: "a Bearer token without verified claims", creds: identity.Credentials{Authorization: "Bearer x.y.z"}, message: "Authentication failed"},
		{name: "claims without the id claim", creds: identity.Credentials{JWT: map[string]any{"jwt_payload": map[string]any{"iss": "x"}}}, message: "Authentication failed"},
		{name: "the policy denies an anonymous caller", message: "Request is not authorized", asked: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := identityEnv(t)
			e.policy.decide = func(*policy.Input) policy.Decision { return tt.decision }
			req := post("/kafka/v3/clusters/lkc-1/topics/orders/records", nil)
			req.Credentials = tt.creds
			resp := e.serve(t, req, nil)
			code, msg := errorBody(t, resp)
			if resp.Status != 401 || code != 40101 || msg != tt.message {
				t.Errorf("got %d/%d %q, want 401/40101 %q", resp.Status, code, msg, tt.message)
			}
			if got := resp.Headers["www-authenticate"]; got != challenge {
				t.Errorf("www-authenticate %q, want %q", got, challenge)
			}
			if n := len(e.policy.seen()); n != tt.asked {
				t.Errorf("the policy was asked %d times, want %d", n, tt.asked)
			}
			if n := len(e.cluster.messages()); n != 0 {
				t.Errorf("%d messages produced", n)
			}
		})
	}
}
