package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// Body is a request body as an authorization check (ext_authz) receives it.
type Body struct {
	Data []byte
	// Sent is true when the proxy sent the body (Envoy's with_request_body).
	Sent bool
	// Partial is true when the proxy sent only the start of a longer body.
	Partial bool
}

// Verdict is the outcome of Authorize.
type Verdict struct {
	// Denial is the answer for the client when the request may not go on to
	// the backend; nil allows it.
	Denial *Response
	// Headers go with an allowed request (to the backend) and its answer (to
	// the client): the decision id.
	Headers map[string]string
}

// errNoBody is a guard's failure when the proxy did not send a body the
// decision needs: the check cannot be made, so the request is refused.
var errNoBody = errors.New("the proxy sent no request body: set with_request_body on Envoy's ext_authz filter")

// Authorize decides whether a request may go on to a Kafka REST backend
// that serves it (topicgate as an ext_authz guard). It takes the same steps
// as Headers up to the handler: route, identity, cluster, request-phase
// decision. Then the decisions some endpoints take on a resource named in
// their path or body (guards), and for a produce the records phase on the
// records parsed from the body. It never calls Kafka.
func (g *Gateway) Authorize(ctx context.Context, req *Request, body Body) Verdict {
	c := g.newCall(req)
	c.guard = true
	ctx, cancel := g.phase(ctx)
	defer cancel()
	v := Verdict{Denial: c.check(ctx, body)}
	action := string(c.route.Action)
	if action == "" {
		action = "unmatched"
	}
	result := "allow"
	if v.Denial != nil {
		result = strconv.Itoa(v.Denial.Status)
	} else {
		if n := len(c.decisions); n > 0 {
			v.Headers = map[string]string{"x-topicgate-decision-id": c.decisions[n-1]}
		}
		if ce := c.log.Check(zap.DebugLevel, "request allowed to the backend"); ce != nil {
			ce.Write(zap.String("action", action))
		}
	}
	g.opts.Metrics.ExtAuthzCheck(action, result)
	return v
}

// check runs the request's decisions; nil allows it.
func (c *call) check(ctx context.Context, body Body) *Response {
	if resp, _ := c.begin(ctx); resp != nil {
		return resp
	}
	guard := guards[c.route.Action]
	switch {
	case c.route.Public:
		return nil
	case guard == nil && c.route.ResourceInBody:
		// begin left the decision to a handler the guard does not run.
		return c.fail(fmt.Errorf("no guard decides %s, whose resource is in the body", c.route.Action))
	case guard == nil:
		return nil
	}
	resp, next := guard(c, ctx)
	if next == nil {
		return resp
	}
	switch {
	case body.Partial:
		return c.fail(apierr.New(http.StatusRequestEntityTooLarge, 413,
			"The request body exceeds the gateway's limit of %d bytes.", len(body.Data)))
	case !body.Sent:
		return c.fail(errNoBody)
	}
	return next(ctx, body.Data)
}

// guards are the decisions a guard takes beyond the request phase, by
// action: the same as the action's handler takes, on a resource named in
// the path or the body, without calling Kafka. A test checks that the guard
// and the gateway ask the policy the same questions.
var guards = map[kafkarest.Action]handler{
	kafkarest.Produce:      (*call).guardProduce,
	kafkarest.ProduceBatch: (*call).guardProduceBatch,
	kafkarest.CreateTopic:  (*call).guardCreateTopic,

	kafkarest.UpdatePartitionCount: (*call).guardPartitionCount,
	kafkarest.UpdateTopicConfig:    (*call).guardConfigChanges,
	kafkarest.ResetTopicConfig:     (*call).guardConfigChanges,
	kafkarest.AlterTopicConfigs:    (*call).guardConfigChanges,

	kafkarest.GetGroupLag:           (*call).guardPathTopic,
	kafkarest.GetConsumerAssignment: (*call).guardPathTopic,
	kafkarest.GetGroupOffsets:       (*call).guardPathTopic,
	kafkarest.CommitGroupOffsets:    (*call).guardPathTopic,

	kafkarest.Subscribe:       (*call).guardConsumer,
	kafkarest.Assign:          (*call).guardConsumer,
	kafkarest.CommitOffsets:   (*call).guardConsumer,
	kafkarest.Seek:            (*call).guardConsumer,
	kafkarest.SeekToBeginning: (*call).guardConsumer,
	kafkarest.SeekToEnd:       (*call).guardConsumer,
}

// guardProduce parses the records of a v3 or v2 produce body with the
// gateway's parsers and asks the records phase.
func (c *call) guardProduce(ctx context.Context) (*Response, BodyFunc) {
	if c.route.API == "v2" {
		if _, err := v2Async(c.route.Query.Get("async")); err != nil {
			return c.fail(err), nil
		}
		return c.expectBody(ctx, checkV2Produce, false, func(ctx context.Context, body []byte) *Response {
			records, err := c.parseV2Records(body)
			if err != nil {
				return c.fail(err)
			}
			return c.guardRecords(ctx, records)
		})
	}
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		if err := c.exactFields(body, false); err != nil {
			return c.fail(err)
		}
		records, err := kafkarest.ParseProduce(body, c.g.opts.MaxRecords)
		if err != nil {
			return c.fail(err)
		}
		return c.guardRecords(ctx, records)
	})
}

// guardProduceBatch asks the records phase on a batch's entries. The
// gateway answers an invalid entry with its own failure and writes the
// others; the backend would judge that entry by its own rules, unchecked,
// so a guard refuses the batch instead.
func (c *call) guardProduceBatch(ctx context.Context) (*Response, BodyFunc) {
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		if err := c.exactFields(body, true); err != nil {
			return c.fail(err)
		}
		entries, err := kafkarest.ParseBatch(body, c.g.opts.MaxRecords)
		if err != nil {
			return c.fail(err)
		}
		records := make([]kafkarest.Record, 0, len(entries))
		for _, e := range entries {
			switch {
			case e.Err == nil:
				records = append(records, e.Record)
			case !c.dry:
				return c.fail(e.Err) // its message names the entry
			}
			// A dry run leaves the entry out, as the gateway does.
		}
		if len(records) == 0 {
			return nil
		}
		return c.guardRecords(ctx, records)
	})
}

// guardCreateTopic decides CREATE on the topic the body names.
func (c *call) guardCreateTopic(ctx context.Context) (*Response, BodyFunc) {
	return c.expectBody(ctx, createTopicCheck(c.route.API), false, func(ctx context.Context, body []byte) *Response {
		req, err := kafkarest.ParseCreateTopic(c.route.API, body)
		if err != nil {
			return c.fail(err)
		}
		return c.authorizeAdmin(ctx, kafkarest.OpCreate, kafkarest.ResourceTopic, req.Name, createTopicAdmin(&req))
	})
}

// guardPartitionCount decides a partition change again with the count the
// body asks for, as the gateway does.
func (c *call) guardPartitionCount(ctx context.Context) (*Response, BodyFunc) {
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		n, err := kafkarest.ParsePartitionsCount(body)
		if err != nil {
			return c.fail(err)
		}
		return c.authorizePartitionCount(ctx, int(n))
	})
}

// guardConfigChanges decides a topic config change again with the changes
// the path and body ask for, as the gateway does.
func (c *call) guardConfigChanges(ctx context.Context) (*Response, BodyFunc) {
	if c.route.Action == kafkarest.ResetTopicConfig {
		changes, _, _ := c.topicConfigChanges(nil)
		return c.authorizeConfigChanges(ctx, changes, false), nil
	}
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		changes, validateOnly, err := c.topicConfigChanges(body)
		if err != nil {
			return c.fail(err)
		}
		return c.authorizeConfigChanges(ctx, changes, validateOnly)
	})
}

// guardPathTopic decides the topic of a consumer-group path, as Kafka's
// ACLs need it besides the group: READ to commit offsets, DESCRIBE otherwise.
func (c *call) guardPathTopic(ctx context.Context) (*Response, BodyFunc) {
	op := kafkarest.OpDescribe
	if c.route.Action == kafkarest.CommitGroupOffsets {
		op = kafkarest.OpRead
	}
	return c.authorize(ctx, op, kafkarest.ResourceTopic, c.route.Topic), nil
}

// guardConsumer decides READ on each topic a consumer instance's body names
// (subscription, assignment, offsets, positions).
func (c *call) guardConsumer(ctx context.Context) (*Response, BodyFunc) {
	ci := consumerCall{call: c}
	optional := c.route.Action == kafkarest.CommitOffsets // commits what was polled
	return c.expectBody(ctx, kafkarest.CheckV2ContentType, optional, func(ctx context.Context, body []byte) *Response {
		if c.route.Action == kafkarest.Subscribe {
			sub, err := kafkarest.ParseSubscription(body)
			if err != nil {
				return c.fail(err)
			}
			return ci.authorizeSubscription(ctx, sub)
		}
		topics, err := consumerBodyTopics[c.route.Action](body)
		if err != nil {
			return c.fail(err)
		}
		return ci.authorizeTopics(ctx, topics)
	})
}

// consumerBodyTopics reads the topics of a consumer instance's body, by action.
var consumerBodyTopics = map[kafkarest.Action]func(body []byte) ([]string, error){
	kafkarest.Assign:          partitionsTopics,
	kafkarest.SeekToBeginning: partitionsTopics,
	kafkarest.SeekToEnd:       partitionsTopics,
	kafkarest.CommitOffsets:   func(b []byte) ([]string, error) { return offsetsTopics(b, true) },
	kafkarest.Seek:            func(b []byte) ([]string, error) { return offsetsTopics(b, false) },
}

func partitionsTopics(body []byte) ([]string, error) {
	parts, err := kafkarest.ParsePartitions(body)
	return partitionTopics(parts), err
}

func offsetsTopics(body []byte, optional bool) ([]string, error) {
	offsets, err := kafkarest.ParseOffsets(body, optional)
	if err != nil {
		return nil, err
	}
	_, topics := kafkaOffsets(offsets)
	return topics, nil
}

// guardDecision adapts an allowing decision to a guard, which can only let
// the request go on to the backend as it is, or refuse it. Whatever else
// the decision asks for, the guard cannot do, so it refuses (fails closed)
// rather than let through what the policy meant to change or bound:
//   - denied_records: the backend would write every record, so the request
//     is refused with 403, naming the denied records and their reasons;
//   - topic, cluster, value_schema, limits: the request is refused like a
//     malformed decision (403, the cause in the log).
func guardDecision(d policy.Decision) policy.Decision {
	if !d.Allow {
		return d
	}
	if len(d.DeniedRecords) > 0 {
		reasons := make([]string, len(d.DeniedRecords))
		for i, r := range d.DeniedRecords {
			reasons[i] = fmt.Sprintf("record %d is denied", r.Index)
			if r.Reason != "" {
				reasons[i] = fmt.Sprintf("record %d: %s", r.Index, r.Reason)
			}
		}
		return policy.Decision{ID: d.ID, Reason: strings.Join(reasons, "; "), Duration: d.Duration}
	}
	var asks []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"topic", d.Topic != ""}, {"cluster", d.Cluster != ""}, {"value_schema", d.ValueSchema != ""}, {"limits", d.Limits != nil}} {
		if f.set {
			asks = append(asks, f.name)
		}
	}
	if len(asks) == 0 {
		return d
	}
	return policy.Decision{ID: d.ID, Duration: d.Duration,
		Err: fmt.Errorf("the decision sets %s, which topicgate cannot apply as an ext_authz guard", strings.Join(asks, ", "))}
}

// guardRecords asks the records phase. guardDecision has turned any
// denied_records into a denial: the backend writes a request whole.
func (c *call) guardRecords(ctx context.Context, records []kafkarest.Record) *Response {
	// The backend would write a client's decision-id header as if
	// topicgate had set it: refused, as the gateway refuses it.
	for i := range records {
		if err := checkNoDecisionHeader(&records[i], "record "+strconv.Itoa(records[i].Index)); err != nil {
			return c.fail(err)
		}
	}
	_, denial := c.authorizeRecords(ctx, records)
	return denial
}

// exactFields refuses, for a guard, a v3 produce body whose field names the
// backend might read differently from topicgate's parser (another letter
// case, a name twice): the policy would judge values the backend does not
// write. A dry run decides as the gateway does, which reads them one way.
func (c *call) exactFields(body []byte, batch bool) error {
	if c.dry {
		return nil
	}
	return kafkarest.CheckExactFields(body, batch)
}
