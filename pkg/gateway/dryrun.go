package gateway

import (
	"context"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// Step is one policy decision of a request: the input topicgate built and
// what the policy answered.
type Step struct {
	Input    *policy.Input
	Decision policy.Decision
}

// DryRun takes a request's policy decisions as the gateway would, in the
// same order and with the same inputs, without Kafka, and records each.
// `topicgate policy eval` is built on it. It runs the guard's checks
// (authorize.go: route, identity, the request phase, then the decisions the
// action's handler takes on a resource in the path or body and on a
// produce's records), with two differences that keep it the gateway's
// view: decisions are taken as the policy gave them (a guard refuses those
// it cannot carry out), and an invalid records:batch entry is left out of
// the records phase as the gateway leaves it out (a guard refuses the
// batch).
//
// It stops where topicgate would answer without calling Kafka: the first
// denial or invalid request, returned as the answer topicgate would send. A
// nil answer means every decision allowed and topicgate would go on to
// Kafka. Kafka is never asked, so DryRun does not know whether the topic or
// partition exists, a record's size against max.message.bytes, the items of
// a list (phase item), or which topics a consumer instance reads. cluster
// names the cluster the request addresses; a v3 path's cluster id wins over
// cluster.ID.
func (g *Gateway) DryRun(ctx context.Context, req *Request, body []byte, cluster policy.Cluster) ([]Step, *Response) {
	rec := &recordingAuthorizer{next: g.opts.Policy}
	dry := &Gateway{opts: g.opts}
	dry.opts.Policy = rec
	if dry.opts.Log == nil {
		dry.opts.Log = zap.NewNop()
	}
	id := cluster.ID
	if route, err := kafkarest.Match(req.Method, req.Path); err == nil && route.ClusterID != "" {
		id = route.ClusterID
	}
	dry.opts.Clusters = []Cluster{namedCluster{name: cluster.Name, id: id}}
	r := *req
	r.EndOfStream = len(body) == 0
	c := dry.newCall(&r)
	c.guard, c.dry = true, true
	resp := c.check(ctx, Body{Data: body, Sent: true})
	return rec.steps, resp
}

// recordingAuthorizer keeps every decision of a dry run.
type recordingAuthorizer struct {
	next  Authorizer
	steps []Step
}

func (r *recordingAuthorizer) Decide(ctx context.Context, in *policy.Input) policy.Decision {
	d := r.next.Decide(ctx, in)
	r.steps = append(r.steps, Step{Input: in, Decision: d})
	return d
}

// namedCluster is a cluster known by name and id only. Building a policy
// input reads nothing else; any Kafka call on it would panic on the nil
// Cluster, which is how a dry run that strays into Kafka shows in tests.
type namedCluster struct {
	Cluster
	name, id string
}

func (n namedCluster) Name() string { return n.name }
func (n namedCluster) ID() string   { return n.id }
