package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/topicgate/topicgate/pkg/consumer"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// ConsumerInstances is what the v2 consumer endpoints need of the instance
// manager.
type ConsumerInstances interface {
	Create(group, name string, s consumer.Settings) (*consumer.Instance, error)
	Get(group, name string, owner identity.Principal) (*consumer.Instance, error)
	Delete(group, name string, owner identity.Principal) error
}

var _ ConsumerInstances = (*consumer.Manager)(nil)

// defaultPollWait is a poll's wait when neither the poll (timeout) nor the
// instance (consumer.request.timeout.ms) names one.
const defaultPollWait = time.Second

// consumerCall is a request to the consumer endpoints; inst is the instance
// it names (nil for create and delete).
type consumerCall struct {
	*call
	inst *consumer.Instance
}

// consumerInstance serves the v2 consumer-instance endpoints.
func (c *call) consumerInstance(ctx context.Context) (*Response, BodyFunc) {
	m := c.g.opts.Consumers
	if m == nil {
		return c.fail(errNotImplemented), nil
	}
	r := c.route
	switch r.Action {
	case kafkarest.CreateConsumer:
		return c.expectBody(ctx, kafkarest.CheckV2ContentType, false, consumerCall{call: c}.create)
	case kafkarest.DeleteConsumer:
		return consumerCall{call: c}.done(m.Delete(r.Group, r.Instance, c.principal)), nil
	}
	// An instance serves only the principal that created it; to any other
	// it does not exist.
	inst, err := m.Get(r.Group, r.Instance, c.principal)
	if err != nil {
		return c.fail(err), nil
	}
	ci := consumerCall{call: c, inst: inst}
	switch r.Action {
	case kafkarest.Subscribe:
		return c.expectBody(ctx, kafkarest.CheckV2ContentType, false, ci.subscribe)
	case kafkarest.Assign:
		return c.expectBody(ctx, kafkarest.CheckV2ContentType, false, ci.assign)
	case kafkarest.CommitOffsets:
		return c.expectBody(ctx, kafkarest.CheckV2ContentType, true, ci.commit)
	case kafkarest.Seek:
		return c.expectBody(ctx, kafkarest.CheckV2ContentType, false, ci.seek)
	case kafkarest.SeekToBeginning, kafkarest.SeekToEnd:
		return c.expectBody(ctx, kafkarest.CheckV2ContentType, false, ci.seekTo)
	case kafkarest.GetSubscription:
		return ci.subscription(ctx), nil
	case kafkarest.Unsubscribe:
		return ci.done(inst.Unsubscribe(ctx, ci.by())), nil
	case kafkarest.Poll:
		return ci.poll(ctx), nil
	}
	return c.fail(errNotImplemented), nil
}

// create creates an instance; the answer's base_uri uses the request's
// scheme and authority.
func (ci consumerCall) create(_ context.Context, body []byte) *Response {
	cfg, err := kafkarest.ParseCreateConsumer(body)
	if err != nil {
		return ci.fail(err)
	}
	s := consumer.Settings{Format: cfg.Format, Owner: ci.principal, Kafka: kafka.ConsumerSettings{AutoCommit: true}}
	if cfg.EnableAutoCommit != nil {
		s.Kafka.AutoCommit = *cfg.EnableAutoCommit
	}
	if cfg.AutoOffsetReset != nil {
		s.Kafka.AutoOffsetReset = *cfg.AutoOffsetReset
	}
	if cfg.IsolationLevel != nil {
		s.Kafka.IsolationLevel = *cfg.IsolationLevel
	}
	if cfg.FetchMinBytes != nil {
		s.Kafka.FetchMinBytes = *cfg.FetchMinBytes
	}
	if cfg.RequestTimeoutMs != nil {
		s.RequestTimeout = time.Duration(*cfg.RequestTimeoutMs) * time.Millisecond
	}
	inst, err := ci.g.opts.Consumers.Create(ci.route.Group, cfg.Name, s)
	if err != nil {
		return ci.fail(err)
	}
	return ci.respondV2(http.StatusOK, kafkarest.MediaV2,
		kafkarest.V2CreatedConsumer(ci.req.Scheme, ci.req.Authority, ci.route.Group, inst.Name))
}

// by is how long a request may wait for an instance busy with another.
func (ci consumerCall) by() time.Time { return time.Now().Add(ci.g.opts.Reads.MaxWait) }

func (ci consumerCall) done(err error) *Response {
	if err != nil {
		return ci.fail(err)
	}
	return ci.noContent()
}

func (ci consumerCall) subscribe(ctx context.Context, body []byte) *Response {
	sub, err := kafkarest.ParseSubscription(body)
	if err != nil {
		return ci.fail(err)
	}
	if deny := ci.authorizeSubscription(ctx, sub); deny != nil {
		return deny
	}
	return ci.done(ci.inst.Subscribe(ctx, ci.by(), sub.Topics, sub.Pattern))
}

// authorizeSubscription asks READ on the subscription's pattern, then on
// each of its topics.
func (ci consumerCall) authorizeSubscription(ctx context.Context, sub kafkarest.Subscription) *Response {
	if sub.Pattern != "" {
		if deny := ci.authorizePattern(ctx, sub.Pattern); deny != nil {
			return deny
		}
	}
	for _, t := range sub.Topics {
		if deny := ci.authorize(ctx, kafkarest.OpRead, kafkarest.ResourceTopic, t); deny != nil {
			return deny
		}
	}
	return nil
}

// authorizePattern asks the policy about READ on every topic a pattern may
// match: resource {type: TOPIC, name: <pattern>, pattern_type: REGEX}, so a
// policy written for literal topic names does not allow patterns by accident.
func (ci consumerCall) authorizePattern(ctx context.Context, pattern string) *Response {
	if d := ci.readDecision(ctx, pattern, true); !d.Allow {
		return ci.deny(d)
	}
	return nil
}

func (ci consumerCall) assign(ctx context.Context, body []byte) *Response {
	parts, err := kafkarest.ParsePartitions(body)
	if err != nil {
		return ci.fail(err)
	}
	if deny := ci.authorizeTopics(ctx, partitionTopics(parts)); deny != nil {
		return deny
	}
	kp := make([]kafka.ConsumerPartition, len(parts))
	for i, p := range parts {
		kp[i] = kafka.ConsumerPartition{Topic: p.Topic, Partition: *p.Partition}
	}
	return ci.done(ci.inst.Assign(ctx, ci.by(), kp))
}

// authorizeTopics asks READ on each distinct topic of a body.
func (ci consumerCall) authorizeTopics(ctx context.Context, topics []string) *Response {
	seen := map[string]bool{}
	for _, t := range topics {
		if seen[t] {
			continue
		}
		seen[t] = true
		if deny := ci.authorize(ctx, kafkarest.OpRead, kafkarest.ResourceTopic, t); deny != nil {
			return deny
		}
	}
	return nil
}

func partitionTopics(parts []kafkarest.TopicPartition) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.Topic
	}
	return out
}

func (ci consumerCall) subscription(ctx context.Context) *Response {
	topics, parts, err := ci.inst.Subscription(ctx, ci.by())
	if err != nil {
		return ci.fail(err)
	}
	return ci.respondV2(http.StatusOK, kafkarest.MediaV2, kafkarest.V2Subscription(topics, parts))
}

// commit commits the offsets of the body, or without any the offsets after
// the records polled so far. Committing offsets of a topic needs READ on it,
// as Kafka's ACLs require. The commit is bounded as a read is (reads.max_wait
// plus a margin from the request's start): past that the answer is 504, and
// the commit may still be applied.
func (ci consumerCall) commit(ctx context.Context, body []byte) *Response {
	ctx, cancel := ci.readDeadline(ctx)
	defer cancel()
	offsets, err := kafkarest.ParseOffsets(body, true)
	if err != nil {
		return ci.fail(err)
	}
	ko, topics := kafkaOffsets(offsets)
	if deny := ci.authorizeTopics(ctx, topics); deny != nil {
		return deny
	}
	return ci.done(ci.inst.Commit(ctx, ci.by(), ko))
}

func (ci consumerCall) seek(ctx context.Context, body []byte) *Response {
	offsets, err := kafkarest.ParseOffsets(body, false)
	if err != nil {
		return ci.fail(err)
	}
	ko, topics := kafkaOffsets(offsets)
	if deny := ci.authorizeTopics(ctx, topics); deny != nil {
		return deny
	}
	return ci.done(ci.inst.Seek(ctx, ci.by(), ko))
}

func (ci consumerCall) seekTo(ctx context.Context, body []byte) *Response {
	parts, err := kafkarest.ParsePartitions(body)
	if err != nil {
		return ci.fail(err)
	}
	if deny := ci.authorizeTopics(ctx, partitionTopics(parts)); deny != nil {
		return deny
	}
	to := kafka.OffsetBeginning
	if ci.route.Action == kafkarest.SeekToEnd {
		to = kafka.OffsetEnd
	}
	ko := make([]kafka.ConsumerOffset, len(parts))
	for i, p := range parts {
		ko[i] = kafka.ConsumerOffset{Topic: p.Topic, Partition: *p.Partition, Offset: to}
	}
	return ci.done(ci.inst.Seek(ctx, ci.by(), ko))
}

func kafkaOffsets(offsets []kafkarest.PartitionOffset) ([]kafka.ConsumerOffset, []string) {
	ko := make([]kafka.ConsumerOffset, len(offsets))
	topics := make([]string, len(offsets))
	for i, o := range offsets {
		ko[i] = kafka.ConsumerOffset{Topic: o.Topic, Partition: *o.Partition, Offset: *o.Offset}
		topics[i] = o.Topic
	}
	return ko, topics
}

// poll answers the records available within the poll's wait: the timeout
// query, else the instance's consumer.request.timeout.ms, else a second,
// capped by reads.max_wait. The wait for a busy instance counts in it.
func (ci consumerCall) poll(ctx context.Context) *Response {
	q, err := kafkarest.ParsePollQuery(ci.route.Query)
	if err != nil {
		return ci.fail(err)
	}
	if err := kafkarest.CheckPollAccept(ci.req.Headers["accept"], ci.inst.Format); err != nil {
		return ci.fail(err)
	}
	lim := ci.g.opts.Reads
	wait := defaultPollWait
	if ci.inst.RequestTimeout > 0 {
		wait = ci.inst.RequestTimeout
	}
	if q.Timeout != nil {
		wait = *q.Timeout
	}
	wait = min(wait, lim.MaxWait)
	maxBytes := lim.MaxBytes
	if q.MaxBytes > 0 {
		maxBytes = min(maxBytes, q.MaxBytes)
	}
	// The policy may have changed since the instance subscribed: READ is
	// asked again on each topic it reads (and on its pattern) before Kafka
	// is polled, and on any topic a pattern's assignment gained during the
	// poll before its records are taken. A denial consumes nothing.
	allowed := map[string]bool{}
	var denial *policy.Decision
	readable := func(name string, pattern bool) error {
		if allowed[name] && !pattern {
			return nil
		}
		d := ci.readDecision(ctx, name, pattern)
		if !d.Allow {
			denial = &d
			return errPollDenied
		}
		if !pattern {
			allowed[name] = true
		}
		return nil
	}
	allow := func(topics []string, pattern string) error {
		if pattern != "" {
			if err := readable(pattern, true); err != nil {
				return err
			}
		}
		for _, t := range topics {
			if err := readable(t, false); err != nil {
				return err
			}
		}
		return nil
	}
	// A record the instance's format cannot carry is refused before it is
	// consumed: the poll answers 406 and the record stays for an instance
	// that can carry it.
	format := ci.inst.Format
	accept := func(r *kafka.Record) error {
		if err := readable(r.Topic, false); err != nil {
			return err
		}
		return kafkarest.CheckV2Record(format, &kafkarest.ConsumedRecord{
			Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value,
		})
	}
	recs, err := ci.inst.Poll(ctx, time.Now().Add(wait), consumer.PollOptions{
		MaxBytes: maxBytes, MaxRecords: lim.MaxRecords, Allow: allow, Accept: accept,
	})
	if errors.Is(err, errPollDenied) {
		return ci.deny(*denial)
	}
	if err != nil {
		return ci.fail(err)
	}
	out := make([]kafkarest.ConsumedRecord, len(recs))
	for i, r := range recs {
		out[i] = kafkarest.ConsumedRecord{
			Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
			Key: r.Key, Value: r.Value, Timestamp: r.Timestamp,
			Headers: make([]kafkarest.Header, len(r.Headers)),
		}
		for j, h := range r.Headers {
			out[i].Headers[j] = kafkarest.Header{Name: h.Key, Value: h.Value}
		}
	}
	body, err := kafkarest.V2Records(ci.inst.Format, out)
	if err != nil {
		return ci.fail(err)
	}
	return ci.respondV2(http.StatusOK, kafkarest.RecordsMediaType(ci.inst.Format), body)
}

// errPollDenied stops a poll whose topics the policy no longer lets the
// caller read; the poll answers the denial.
var errPollDenied = errors.New("READ denied on a topic the instance reads")

// readDecision decides READ on a topic, or on a pattern of topics, like
// authorize and authorizePattern but without answering: a poll answers a
// denial only if it ends the poll.
func (ci consumerCall) readDecision(ctx context.Context, name string, pattern bool) policy.Decision {
	in := ci.input(policy.PhaseRequest)
	in.Operation = kafkarest.OpRead
	in.Resource = policy.Resource{Type: kafkarest.ResourceTopic, Name: name}
	if pattern {
		in.Resource.PatternType = "REGEX"
	} else {
		in.Topic = name
	}
	return ci.decide(ctx, in)
}

// respondV2 answers a JSON body with the bridge's media type.
func (ci consumerCall) respondV2(status int, contentType string, body []byte) *Response {
	resp := ci.respond(status, body)
	resp.Headers["content-type"] = contentType
	return resp
}

// noContent answers 204 without a body.
func (ci consumerCall) noContent() *Response {
	return ci.respond(http.StatusNoContent, nil)
}
