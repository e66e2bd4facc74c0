package gateway_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

// deadlineCluster records the deadline its Describe calls see.
type deadlineCluster struct {
	*fakeCluster
	left time.Duration // time to the deadline at the call; 0: none
}

func (c *deadlineCluster) Describe(ctx context.Context) (kafka.ClusterInfo, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.left = time.Until(dl)
	}
	return c.fakeCluster.Describe(ctx)
}

// Every call of a phase shares the phase's deadline, so that a chain of
// Kafka calls cannot outlast Envoy's message_timeout.
func TestPhaseTimeout_BoundsKafkaCalls(t *testing.T) {
	for _, tt := range []struct {
		name  string
		phase time.Duration
		want  bool
	}{{"bounded", 3 * time.Second, true}, {"unbounded", 0, false}} {
		t.Run(tt.name, func(t *testing.T) {
			cl := &deadlineCluster{fakeCluster: newFakeCluster("default", "lkc-1")}
			g := gateway.New(gateway.Options{
				Clusters: []gateway.Cluster{cl}, Auth: fakeAuth{demoAuth: {Type: identity.TypeAPIKey, ID: "demo"}},
				Policy: &fakePolicy{}, Log: zap.NewNop(), Metrics: metrics.New(), MaxBodyBytes: 4096, MaxRecords: 10,
				ProduceTimeout: time.Second, PhaseTimeout: tt.phase,
			})
			resp, _ := g.Headers(context.Background(), get("/kafka/v3/clusters/lkc-1", map[string]string{"authorization": demoAuth}))
			if resp == nil || resp.Status != 200 {
				t.Fatalf("answer %+v", resp)
			}
			if got := cl.left > 0; got != tt.want || cl.left > tt.phase {
				t.Errorf("Describe saw %s to its deadline; phase timeout %s", cl.left, tt.phase)
			}
		})
	}
}

// A request whose client went away is logged and counted as 499, not as
// an internal error.
func TestCancelledRequestIs499(t *testing.T) {
	e := newEnv(t)
	e.cluster.describeErr = context.Canceled
	resp := e.serve(t, get("/kafka/v3/clusters/lkc-1", map[string]string{"authorization": demoAuth}), nil)
	if code, _ := errorBody(t, resp); resp.Status != 499 || code != 499 {
		t.Errorf("status %d, error_code %d; want 499", resp.Status, code)
	}
}

// A client that leaves while the policy runs gets 499 in the logs, not a
// denial.
func TestCancelledDuringPolicyIs499(t *testing.T) {
	e := newEnv(t)
	e.policy.decide = func(*policy.Input) policy.Decision { return policy.Decision{Err: context.Canceled} }
	resp := e.serve(t, get("/kafka/v3/clusters/lkc-1", map[string]string{"authorization": demoAuth}), nil)
	if code, _ := errorBody(t, resp); resp.Status != 499 || code != 499 {
		t.Errorf("status %d, error_code %d; want 499", resp.Status, code)
	}
}
