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

// DryRun takes a request's policy decisions as Headers and the body would,
// in the same order and with the same inputs, without Kafka: it matches the
// route, authenticates with Options.Auth, asks Options.Policy, and parses
// what the decisions need (a produce's records, a topic named in the body).
// It stops where topicgate would answer without calling Kafka: the first
// denial or invalid request, returned as the answer topicgate would send. A
// nil answer means every decision allowed and topicgate would go on to
// Kafka. `topicgate policy eval` is built on it.
//
// Kafka is never asked, so DryRun does not know whether the topic or
// partition exists, a record's size against max.message.bytes, or which
// topics a consumer instance reads: a poll's per-topic decisions and an
// instance's owner are not checked. cluster is the cluster the request
// addresses, for the routes that address one: v2 routes, and v3 routes with
// a cluster id in the path, whose id it takes (topicgate finds the cluster
// by that id).
func (g *Gateway) DryRun(ctx context.Context, req *Request, body []byte, cluster policy.Cluster) ([]Step, *Response) {
	rec := &recordingAuthorizer{next: g.opts.Policy}
	dry := &Gateway{opts: g.opts}
	dry.opts.Policy = rec
	if dry.opts.Log == nil {
		dry.opts.Log = zap.NewNop()
	}
	r := *req
	r.EndOfStream = len(body) == 0
	req = &r
	c := dry.newCall(req)
	route, err := kafkarest.Match(req.Method, req.Path)
	if err != nil {
		return nil, c.fail(err)
	}
	c.route = route
	if route.Public {
		return nil, nil
	}
	if c.principal, err = dry.opts.Auth.Authenticate(req.Headers["authorization"]); err != nil {
		return nil, c.fail(err)
	}
	if route.ClusterID != "" || route.API == "v2" { // as begin: the routes that address a cluster
		c.cluster = namedCluster{name: cluster.Name, id: cluster.ID}
		if route.ClusterID != "" {
			c.cluster = namedCluster{name: cluster.Name, id: route.ClusterID}
		}
	}
	if !route.ResourceInBody {
		if d := c.decide(ctx, c.input(policy.PhaseRequest)); !d.Allow {
			return rec.steps, c.deny(d)
		}
	}
	return rec.steps, c.dryRunHandler(ctx, body)
}

// dryRunHandler takes the decisions an action's handler takes after the
// route's own: on a second resource of the path, on what the body names, on
// a produce's records. Each reuses the handler's checks and parsers.
func (c *call) dryRunHandler(ctx context.Context, body []byte) *Response {
	r := c.route
	ci := consumerCall{call: c}
	switch r.Action {
	case kafkarest.Produce:
		if r.API == "v2" {
			if _, err := v2Async(r.Query.Get("async")); err != nil {
				return c.fail(err)
			}
			check := func(ct string) error { _, err := kafkarest.V2ProduceFormat(ct); return err }
			return c.dryRunBody(ctx, body, check, false, func(ctx context.Context, body []byte) *Response {
				format, err := kafkarest.V2ProduceFormat(c.req.Headers["content-type"])
				if err != nil {
					return c.fail(err)
				}
				records, err := kafkarest.ParseV2Produce(format, body, r.Partition, c.g.opts.MaxRecords)
				if err != nil {
					return c.fail(err)
				}
				return c.dryRunRecords(ctx, records)
			})
		}
		return c.dryRunBody(ctx, body, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
			records, err := kafkarest.ParseProduce(body, c.g.opts.MaxRecords)
			if err != nil {
				return c.fail(err)
			}
			return c.dryRunRecords(ctx, records)
		})
	case kafkarest.ProduceBatch:
		return c.dryRunBody(ctx, body, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
			entries, err := kafkarest.ParseBatch(body, c.g.opts.MaxRecords)
			if err != nil {
				return c.fail(err)
			}
			var valid []kafkarest.Record // as produceBatch: invalid entries are not decided
			for i := range entries {
				if entries[i].Err == nil {
					valid = append(valid, entries[i].Record)
				}
			}
			if len(valid) == 0 {
				return nil
			}
			return c.dryRunRecords(ctx, valid)
		})
	case kafkarest.CreateTopic:
		check := kafkarest.CheckJSONContentType
		if r.API == "v2" {
			check = kafkarest.CheckV2CreateTopicContentType
		}
		return c.dryRunBody(ctx, body, check, false, func(ctx context.Context, body []byte) *Response {
			req, err := kafkarest.ParseCreateTopic(r.API, body)
			if err != nil {
				return c.fail(err)
			}
			return c.authorize(ctx, kafkarest.OpCreate, kafkarest.ResourceTopic, req.Name)
		})
	case kafkarest.GetGroupLag, kafkarest.GetConsumerAssignment, kafkarest.GetGroupOffsets:
		return c.authorize(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, r.Topic)
	case kafkarest.CommitGroupOffsets:
		return c.authorize(ctx, kafkarest.OpRead, kafkarest.ResourceTopic, r.Topic)
	case kafkarest.Subscribe:
		return c.dryRunBody(ctx, body, kafkarest.CheckV2ContentType, false, func(ctx context.Context, body []byte) *Response {
			sub, err := kafkarest.ParseSubscription(body)
			if err != nil {
				return c.fail(err)
			}
			if sub.Pattern != "" {
				if deny := ci.authorizePattern(ctx, sub.Pattern); deny != nil {
					return deny
				}
			}
			return ci.authorizeTopics(ctx, sub.Topics)
		})
	case kafkarest.Assign, kafkarest.SeekToBeginning, kafkarest.SeekToEnd:
		return c.dryRunBody(ctx, body, kafkarest.CheckV2ContentType, false, func(ctx context.Context, body []byte) *Response {
			parts, err := kafkarest.ParsePartitions(body)
			if err != nil {
				return c.fail(err)
			}
			return ci.authorizeTopics(ctx, partitionTopics(parts))
		})
	case kafkarest.CommitOffsets, kafkarest.Seek:
		optional := r.Action == kafkarest.CommitOffsets
		return c.dryRunBody(ctx, body, kafkarest.CheckV2ContentType, optional, func(ctx context.Context, body []byte) *Response {
			offsets, err := kafkarest.ParseOffsets(body, optional)
			if err != nil {
				return c.fail(err)
			}
			_, topics := kafkaOffsets(offsets)
			return ci.authorizeTopics(ctx, topics)
		})
	}
	return nil
}

// dryRunRecords asks the records phase, as the produce pipeline does before
// it sends anything; nil when allowed.
func (c *call) dryRunRecords(ctx context.Context, records []kafkarest.Record) *Response {
	if d := c.decide(ctx, c.recordsInput(records)); !d.Allow {
		return c.deny(d)
	}
	return nil
}

// dryRunBody runs expectBody's checks (presence, media type, size) and
// hands the body to fn, as a request whose body has arrived.
func (c *call) dryRunBody(ctx context.Context, body []byte, check bodyCheck, optional bool, fn BodyFunc) *Response {
	resp, next := c.expectBody(ctx, check, optional, fn)
	if next == nil {
		return resp
	}
	return next(ctx, body)
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
