package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

// ackTime is the timestamp the fake cluster gives records sent without one.
var ackTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeCluster is a Kafka cluster in memory. Produce keeps every message and
// answers with deliver (by default: acknowledged at offset 100+i).
type fakeCluster struct {
	name, id    string
	describeErr error
	brokers     []kafka.Broker // nil: broker 1 alone
	topics      map[string]kafka.TopicInfo
	deliver     func(i int, m kafka.Message) kafka.Delivery
	queueRoom   *int                                                  // Send queues at most this many records, then reports a full queue
	read        func(req kafka.ReadRequest) (kafka.ReadResult, error) // stateless reads (read_test.go)
	admin       adminFake                                             // state of the admin endpoints (admin_test.go)

	mu       sync.Mutex
	produced []kafka.Message

	groups groupsFakeState // consumer groups and their offsets (groups_test.go)

	logs        map[kafka.TopicPartition][2]int64 // earliest, latest offset; absent: 0, 0
	listOffsets []kafka.OffsetSpec                // the spec of every ListOffsets call
}

func newFakeCluster(name, id string) *fakeCluster {
	return &fakeCluster{
		name: name, id: id,
		topics: map[string]kafka.TopicInfo{
			"orders": {
				Name: "orders", ReplicationFactor: 3, MaxMessageBytes: 1000,
				Partitions: []kafka.PartitionInfo{{ID: 0, Leader: 1}, {ID: 1, Leader: 2}, {ID: 2, Leader: -1}},
			},
			"audit": {Name: "audit", ReplicationFactor: 1, Partitions: []kafka.PartitionInfo{{ID: 0, Leader: 1}}},
		},
	}
}

func (c *fakeCluster) Name() string { return c.name }
func (c *fakeCluster) ID() string   { return c.id }

func (c *fakeCluster) Describe(context.Context) (kafka.ClusterInfo, error) {
	if c.describeErr != nil {
		return kafka.ClusterInfo{}, c.describeErr
	}
	brokers := c.brokers
	if brokers == nil {
		brokers = []kafka.Broker{{ID: 1, Host: "b1", Port: 9092}}
	}
	return kafka.ClusterInfo{ID: c.id, ControllerID: 1, Brokers: brokers}, nil
}

func (c *fakeCluster) Topics(context.Context) ([]kafka.TopicInfo, error) {
	names := make([]string, 0, len(c.topics))
	for n := range c.topics {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]kafka.TopicInfo, len(names))
	for i, n := range names {
		out[i] = c.topics[n]
	}
	return out, nil
}

func (c *fakeCluster) Topic(_ context.Context, name string) (kafka.TopicInfo, error) {
	t, ok := c.topics[name]
	if !ok {
		return kafka.TopicInfo{}, ck.NewError(ck.ErrUnknownTopicOrPart, "Broker: Unknown topic or partition", false)
	}
	t.Configs = c.adminFakeConfigs(name) // as kafka.Client.Topic loads them
	return t, nil
}

// ListOffsets answers from logs; AtTime finds no record.
func (c *fakeCluster) ListOffsets(_ context.Context, parts []kafka.TopicPartition, spec kafka.OffsetSpec) (map[kafka.TopicPartition]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listOffsets = append(c.listOffsets, spec)
	out := map[kafka.TopicPartition]int64{}
	for _, p := range parts {
		switch spec {
		case kafka.Earliest:
			out[p] = c.logs[p][0]
		case kafka.Latest:
			out[p] = c.logs[p][1]
		default:
			out[p] = kafka.NoOffset
		}
	}
	return out, nil
}

func (c *fakeCluster) Produce(_ context.Context, msgs []kafka.Message) []kafka.Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]kafka.Delivery, len(msgs))
	for i, m := range msgs {
		c.produced = append(c.produced, m)
		if c.deliver != nil {
			out[i] = c.deliver(i, m)
			continue
		}
		p := m.Partition
		if p == kafka.PartitionAny {
			p = 0
		}
		ts := m.Timestamp
		if ts.IsZero() {
			ts = ackTime
		}
		out[i] = kafka.Delivery{Partition: p, Offset: int64(100 + i), Timestamp: ts}
	}
	return out
}

// Send keeps the messages like Produce, without waiting for reports.
func (c *fakeCluster) Send(_ context.Context, msgs []kafka.Message) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := len(msgs), error(nil)
	if c.queueRoom != nil && *c.queueRoom < n {
		n, err = *c.queueRoom, ck.NewError(ck.ErrQueueFull, "Local: Queue full", false)
	}
	c.produced = append(c.produced, msgs[:n]...)
	return n, err
}

func (c *fakeCluster) messages() []kafka.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]kafka.Message(nil), c.produced...)
}

// fakeAuth knows a few Authorization values; "" is anonymous.
type fakeAuth map[string]identity.Principal

func (a fakeAuth) Authenticate(c identity.Credentials) (identity.Caller, error) {
	if c.Authorization == "" {
		return identity.Caller{Principal: identity.Anonymous}, nil
	}
	if p, ok := a[c.Authorization]; ok {
		return identity.Caller{Principal: p, Sources: []string{p.Type}}, nil
	}
	return identity.Caller{}, identity.ErrBadCredentials
}

func (a fakeAuth) Challenge() string { return `Basic realm="topicgate"` }

// fakePolicy records every input and answers with decide (default: allow).
type fakePolicy struct {
	decide func(in *policy.Input) policy.Decision

	mu     sync.Mutex
	inputs []*policy.Input
}

func (p *fakePolicy) Decide(_ context.Context, in *policy.Input) policy.Decision {
	p.mu.Lock()
	p.inputs = append(p.inputs, in)
	n := len(p.inputs)
	p.mu.Unlock()
	d := policy.Decision{Allow: true}
	if p.decide != nil {
		d = p.decide(in)
	}
	d.ID = fmt.Sprintf("decision-%d", n)
	return d
}

func (p *fakePolicy) seen() []*policy.Input {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*policy.Input(nil), p.inputs...)
}

const demoAuth = "Basic ZGVtbzpzM2NyZXQ="

// env is a gateway over fakes: the cluster "default" with id lkc-1, the API
// key demoAuth, and a policy that allows unless told otherwise.
type env struct {
	g       *gateway.Gateway
	cluster *fakeCluster
	policy  *fakePolicy
}

func newEnv(tb testing.TB, extra ...gateway.Cluster) *env {
	tb.Helper()
	e := &env{cluster: newFakeCluster("default", "lkc-1"), policy: &fakePolicy{}}
	e.g = gateway.New(gateway.Options{
		Clusters:       append([]gateway.Cluster{e.cluster}, extra...),
		Auth:           fakeAuth{demoAuth: {Type: identity.TypeAPIKey, ID: "demo"}},
		Policy:         e.policy,
		Log:            zap.NewNop(),
		Metrics:        metrics.New(),
		MaxBodyBytes:   4096,
		MaxRecords:     10,
		ProduceTimeout: time.Second,
		Reads:          gateway.ReadLimits{MaxWait: 5 * time.Second, MaxBytes: 1 << 20, MaxRecords: 100},
	})
	return e
}

func get(path string, headers map[string]string) *gateway.Request {
	h := map[string]string{":method": "GET", ":path": path, ":scheme": "https", ":authority": "gw.example.com"}
	for k, v := range headers {
		h[k] = v
	}
	return &gateway.Request{ID: "req-1", Method: "GET", Path: path, Scheme: "https", Authority: "gw.example.com", Headers: h, Source: "10.0.0.7:5000", EndOfStream: true,
		Credentials: identity.Credentials{Authorization: h["authorization"]}}
}

func post(path string, headers map[string]string) *gateway.Request {
	r := get(path, map[string]string{"content-type": "application/json"})
	r.Method, r.EndOfStream = "POST", false
	r.Headers[":method"] = "POST"
	for k, v := range headers {
		r.Headers[k] = v
	}
	r.Credentials.Authorization = r.Headers["authorization"]
	return r
}

// serve runs a request through Headers and, when asked for, the body.
// It fails the test if the gateway asks for a body it was not given or
// answers and asks at once.
func (e *env) serve(t testing.TB, req *gateway.Request, body []byte) *gateway.Response {
	t.Helper()
	ctx := context.Background()
	resp, next := e.g.Headers(ctx, req)
	switch {
	case resp != nil && next != nil:
		t.Fatalf("Headers returned both a response and a BodyFunc")
	case resp != nil:
		return resp
	case next == nil:
		t.Fatalf("Headers returned neither a response nor a BodyFunc")
	case body == nil:
		t.Fatalf("Headers asked for a body for %s %s", req.Method, req.Path)
	}
	resp = next(ctx, body)
	if resp == nil {
		t.Fatalf("BodyFunc returned no response")
	}
	return resp
}

// errorBody decodes the v3 error envelope.
func errorBody(t testing.TB, resp *gateway.Response) (code int, message string) {
	t.Helper()
	var b struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(resp.Body, &b); err != nil {
		t.Fatalf("body %q is not an error envelope: %v", resp.Body, err)
	}
	return b.ErrorCode, b.Message
}

// jsonDocs decodes the concatenated JSON documents of a body.
func jsonDocs(t testing.TB, body []byte) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []map[string]any
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		out = append(out, m)
	}
	return out
}
