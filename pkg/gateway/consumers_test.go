package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/consumer"
	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

// consumersFake is a Kafka consumer in memory: Poll hands out its records once.
type consumersFake struct {
	settings kafka.ConsumerSettings
	topics   []string
	pattern  string
	assigned []kafka.ConsumerPartition
	records  []kafka.Record
	commits  [][]kafka.ConsumerOffset
	seeks    []kafka.ConsumerOffset
	maxBytes int
	closed   chan struct{} // closed by Close, which may run in the background
}

func (f *consumersFake) isClosed() bool {
	select {
	case <-f.closed:
		return true
	default:
		return false
	}
}

func (f *consumersFake) Subscribe(t []string) error {
	f.topics = t
	f.assigned = nil
	for _, topic := range t {
		f.assigned = append(f.assigned, kafka.ConsumerPartition{Topic: topic})
	}
	return nil
}
func (f *consumersFake) SubscribePattern(p string) error                { f.pattern = p; return nil }
func (f *consumersFake) Unsubscribe() error                             { f.topics, f.assigned = nil, nil; return nil }
func (f *consumersFake) Assign(p []kafka.ConsumerPartition) error       { f.assigned = p; return nil }
func (f *consumersFake) Unassign() error                                { f.assigned = nil; return nil }
func (f *consumersFake) Assignment() ([]kafka.ConsumerPartition, error) { return f.assigned, nil }
func (f *consumersFake) Commit(o []kafka.ConsumerOffset) error {
	f.commits = append(f.commits, o)
	return nil
}
func (f *consumersFake) Seek(o []kafka.ConsumerOffset) error {
	f.seeks = append(f.seeks, o...)
	return nil
}
func (f *consumersFake) Close() error { close(f.closed); return nil }

// Poll hands out its records up to the first that accept refuses, as
// kafka.Consumer does: a refused record stays, and a refused first record
// is the poll's error.
func (f *consumersFake) Poll(_ context.Context, _ time.Duration, maxBytes, _ int, accept func(*kafka.Record) error) ([]kafka.Record, error) {
	f.maxBytes = maxBytes
	n := 0
	for ; n < len(f.records); n++ {
		if accept == nil {
			continue
		}
		if err := accept(&f.records[n]); err != nil {
			if n == 0 {
				return nil, err
			}
			break
		}
	}
	r := f.records[:n:n]
	f.records = f.records[n:]
	return r, nil
}

// consumersAuth is a second API key, "other".
const consumersAuth = "Basic b3RoZXI6eA=="

type consumersEnv struct {
	g      *gateway.Gateway
	policy *fakePolicy
	fakes  map[string]*consumersFake
}

func consumersNewEnv(t *testing.T) *consumersEnv {
	t.Helper()
	e := &consumersEnv{policy: &fakePolicy{}, fakes: map[string]*consumersFake{}}
	m := consumer.New(consumer.Options{
		Open: func(s kafka.ConsumerSettings) (consumer.Kafka, error) {
			f := &consumersFake{settings: s, closed: make(chan struct{})}
			e.fakes[s.ClientID] = f
			return f, nil
		},
		IdleTimeout: time.Minute, MaxInstances: 5,
	})
	e.g = gateway.New(gateway.Options{
		Clusters: []gateway.Cluster{newFakeCluster("default", "lkc-1")},
		Auth: fakeAuth{
			demoAuth:      {Type: identity.TypeAPIKey, ID: "demo"},
			consumersAuth: {Type: identity.TypeAPIKey, ID: "other"},
		},
		Policy: e.policy, Log: zap.NewNop(), Metrics: metrics.New(), MaxBodyBytes: 4096,
		Consumers: m,
		Reads:     gateway.ReadLimits{MaxWait: 2 * time.Second, MaxBytes: 1000, MaxRecords: 10},
	})
	return e
}

func (e *consumersEnv) call(t *testing.T, method, path, body string, headers map[string]string) *gateway.Response {
	t.Helper()
	h := map[string]string{"authorization": demoAuth}
	for k, v := range headers {
		h[k] = v
	}
	var req *gateway.Request
	if method == "GET" || method == "DELETE" || body == "" {
		req = get(path, h)
		req.Method = method
	} else {
		if _, ok := h["content-type"]; !ok {
			h["content-type"] = "application/vnd.kafka.v2+json"
		}
		req = post(path, h)
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return (&env{g: e.g}).serve(t, req, b)
}

func consumersWant(t *testing.T, resp *gateway.Response, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
	if status >= 400 {
		if code, _ := errorBody(t, resp); code != status { // v2: error_code is the status
			t.Errorf("error_code %d, want %d", code, status)
		}
	}
}

func TestConsumersCreatePollCommit(t *testing.T) {
	e := consumersNewEnv(t)
	resp := e.call(t, "POST", "/consumers/g1", `{"name": "c", "format": "json", "enable.auto.commit": false, "auto.offset.reset": "earliest", "isolation.level": "read_committed", "fetch.min.bytes": 10}`, nil)
	consumersWant(t, resp, http.StatusOK)
	var created struct{ InstanceID, BaseURI string }
	json.Unmarshal(resp.Body, &struct {
		I *string `json:"instance_id"`
		B *string `json:"base_uri"`
	}{&created.InstanceID, &created.BaseURI})
	if created.InstanceID != "c" || created.BaseURI != "https://gw.example.com/consumers/g1/instances/c" {
		t.Errorf("created %+v", created)
	}
	f := e.fakes["c"]
	if want := (kafka.ConsumerSettings{Group: "g1", ClientID: "c", AutoOffsetReset: "earliest", IsolationLevel: "read_committed", FetchMinBytes: 10}); f.settings != want {
		t.Errorf("settings %+v, want %+v", f.settings, want)
	}
	consumersWant(t, e.call(t, "POST", "/consumers/g1", `{"name": "c"}`, nil), http.StatusConflict)

	consumersWant(t, e.call(t, "POST", "/consumers/g1/instances/c/subscription", `{"topics": ["orders"]}`, nil), http.StatusNoContent)
	// The policy was asked READ on the topic, beside the route's READ on the group.
	var topicReads int
	for _, in := range e.policy.seen() {
		if in.Operation == "READ" && in.Resource == (policy.Resource{Type: "TOPIC", Name: "orders"}) && in.Group == "g1" {
			topicReads++
		}
	}
	if topicReads != 1 {
		t.Errorf("READ on topic orders asked %d times", topicReads)
	}

	f.records = []kafka.Record{{Topic: "orders", Partition: 0, Offset: 7, Key: []byte(`"k"`), Value: []byte(`{"a":1}`),
		Headers: []kafka.Header{{Key: "h", Value: []byte("v")}}, Timestamp: time.UnixMilli(1714564800123)}}
	resp = e.call(t, "GET", "/consumers/g1/instances/c/records?max_bytes=500", "", map[string]string{"accept": "application/vnd.kafka.json.v2+json"})
	consumersWant(t, resp, http.StatusOK)
	if want := `[{"topic":"orders","key":"k","value":{"a":1},"partition":0,"offset":7,"timestamp":1714564800123,"headers":[{"key":"h","value":"dg=="}]}]`; string(resp.Body) != want {
		t.Errorf("records %s\nwant    %s", resp.Body, want)
	}
	if resp.Headers["content-type"] != "application/vnd.kafka.json.v2+json" || f.maxBytes != 500 {
		t.Errorf("content-type %q, max bytes %d", resp.Headers["content-type"], f.maxBytes)
	}
	consumersWant(t, e.call(t, "GET", "/consumers/g1/instances/c/records", "", map[string]string{"accept": "application/vnd.kafka.binary.v2+json"}), http.StatusNotAcceptable)
	// One Accept parser for polls and reads: the generic v2 type is fine, q=0 refuses.
	consumersWant(t, e.call(t, "GET", "/consumers/g1/instances/c/records", "", map[string]string{"accept": "application/vnd.kafka.v2+json"}), http.StatusOK)
	consumersWant(t, e.call(t, "GET", "/consumers/g1/instances/c/records", "", map[string]string{"accept": "*/*, application/vnd.kafka.json.v2+json;q=0"}), http.StatusNotAcceptable)
	// The poll's numbers are parsed as a read's, in the same words.
	resp = e.call(t, "GET", "/consumers/g1/instances/c/records?timeout=-1", "", nil)
	consumersWant(t, resp, http.StatusBadRequest)
	if want := `timeout must be a whole number, 0 or more, got \"-1\"`; !strings.Contains(string(resp.Body), want) {
		t.Errorf("body %s, want it to contain %s", resp.Body, want)
	}

	consumersWant(t, e.call(t, "POST", "/consumers/g1/instances/c/offsets", "", nil), http.StatusNoContent)
	consumersWant(t, e.call(t, "POST", "/consumers/g1/instances/c/offsets", `{"offsets": [{"topic": "orders", "partition": 0, "offset": 8}]}`, nil), http.StatusNoContent)
	if len(f.commits) != 2 || len(f.commits[0]) != 0 || f.commits[1][0] != (kafka.ConsumerOffset{Topic: "orders", Offset: 8}) {
		t.Errorf("commits %v", f.commits)
	}
	consumersWant(t, e.call(t, "POST", "/consumers/g1/instances/c/positions/end", `{"partitions": [{"topic": "orders", "partition": 0}]}`, nil), http.StatusNoContent)
	consumersWant(t, e.call(t, "POST", "/consumers/g1/instances/c/positions", `{"offsets": [{"topic": "orders", "partition": 3, "offset": 1}]}`, nil), http.StatusNotFound)
	if len(f.seeks) != 1 || f.seeks[0].Offset != kafka.OffsetEnd {
		t.Errorf("seeks %v", f.seeks)
	}

	consumersWant(t, e.call(t, "DELETE", "/consumers/g1/instances/c", "", nil), http.StatusNoContent)
	select { // closed in the background
	case <-f.closed:
	case <-time.After(5 * time.Second):
		t.Error("delete did not close the consumer")
	}
	consumersWant(t, e.call(t, "GET", "/consumers/g1/instances/c/subscription", "", nil), http.StatusNotFound)
}

func TestConsumersPatternNeedsItsOwnDecision(t *testing.T) {
	e := consumersNewEnv(t)
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.PatternType == ""} // literal names only
	}
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/x/subscription", `{"topic_pattern": "o.*"}`, nil), http.StatusNotFound)
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "x"}`, nil), http.StatusOK)
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/x/subscription", `{"topic_pattern": "o.*"}`, nil), http.StatusForbidden)
	if e.fakes["x"].pattern != "" {
		t.Error("a denied pattern was subscribed")
	}
	seen := e.policy.seen()
	last := seen[len(seen)-1]
	if last.Resource != (policy.Resource{Type: "TOPIC", Name: "o.*", PatternType: "REGEX"}) || last.Topic != "" {
		t.Errorf("pattern decision input: resource %+v, topic %q", last.Resource, last.Topic)
	}
}

// Consumer bodies take the bridge's media type only, as every v2 body does.
func TestConsumersMediaType(t *testing.T) {
	e := consumersNewEnv(t)
	for _, ct := range []string{"application/json", "application/vnd.kafka.json.v2+json", "text/plain"} {
		resp := e.call(t, "POST", "/consumers/g", `{"name": "x"}`, map[string]string{"content-type": ct})
		consumersWant(t, resp, http.StatusUnsupportedMediaType)
		if want := "expected Content-Type application/vnd.kafka.v2+json, got " + ct; !strings.Contains(string(resp.Body), want) {
			t.Errorf("%s: body %s, want it to contain %q", ct, resp.Body, want)
		}
	}
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "x"}`, map[string]string{"content-type": "application/vnd.kafka.v2+json; charset=utf-8"}), http.StatusOK)
}

func TestConsumersBadBodies(t *testing.T) {
	e := consumersNewEnv(t)
	for _, body := range []string{`{`, `[]`, `{"format": "avro"}`, `{"unknown": 1}`, `{"fetch.min.bytes": "1"}`, `{"name": "../x"}`, `{} {}`} {
		consumersWant(t, e.call(t, "POST", "/consumers/g", body, nil), http.StatusUnprocessableEntity)
	}
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "x"}`, nil), http.StatusOK)
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"subscription", `{}`, 422},
		{"subscription", `{"topics": []}`, 422},
		{"subscription", `{"topics": ["a"], "topic_pattern": "b"}`, 409},
		{"subscription", `{"topic_pattern": "("}`, 422},
		{"assignments", `{"partitions": [{"topic": "a"}]}`, 422},
		{"assignments", `{"partitions": [{"topic": "a", "partition": -1}]}`, 422},
		{"positions", `{"offsets": []}`, 422},
		{"positions", `{"offsets": [{"topic": "a", "partition": 0}]}`, 422},
	} {
		resp := e.call(t, "POST", "/consumers/g/instances/x/"+c.path, c.body, nil)
		if resp.Status != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.path, c.body, resp.Status, c.status, resp.Body)
		}
	}
	if f := e.fakes["x"]; f.topics != nil || f.assigned != nil || f.seeks != nil {
		t.Errorf("bad bodies changed the consumer: %+v", f)
	}
}

func TestConsumersRecordNotInFormatIsNotConsumed(t *testing.T) {
	e := consumersNewEnv(t)
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "c", "format": "json"}`, nil), http.StatusOK)
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/subscription", `{"topics": ["orders"]}`, nil), http.StatusNoContent)
	f := e.fakes["c"]
	f.records = []kafka.Record{{Topic: "orders", Offset: 3, Value: []byte("not json")}}
	resp := e.call(t, "GET", "/consumers/g/instances/c/records", "", nil)
	consumersWant(t, resp, http.StatusNotAcceptable)
	if _, msg := errorBody(t, resp); !strings.Contains(msg, "format binary") {
		t.Errorf("406 message %q does not say how to read the record", msg)
	}
	if len(f.records) != 1 {
		t.Errorf("the record the answer could not carry was consumed")
	}
}

func TestConsumersInstanceServesOnlyItsCreator(t *testing.T) {
	e := consumersNewEnv(t)
	other := map[string]string{"authorization": consumersAuth}
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "c"}`, nil), http.StatusOK)
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/subscription", `{"topics": ["orders"]}`, nil), http.StatusNoContent)
	f := e.fakes["c"]
	f.records = []kafka.Record{{Topic: "orders", Offset: 1, Value: []byte(`1`)}}

	unknown := e.call(t, "GET", "/consumers/g/instances/nope/records", "", nil)
	consumersWant(t, unknown, http.StatusNotFound)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "records", ""},
		{"POST", "offsets", ""},
		{"POST", "offsets", `{"offsets": [{"topic": "orders", "partition": 0, "offset": 1}]}`},
		{"POST", "positions", `{"offsets": [{"topic": "orders", "partition": 0, "offset": 0}]}`},
		{"POST", "positions/beginning", `{"partitions": [{"topic": "orders", "partition": 0}]}`},
		{"POST", "positions/end", `{"partitions": [{"topic": "orders", "partition": 0}]}`},
		{"GET", "subscription", ""},
		{"DELETE", "subscription", ""},
		{"POST", "subscription", `{"topics": ["audit"]}`},
		{"POST", "assignments", `{"partitions": [{"topic": "audit", "partition": 0}]}`},
		{"DELETE", "", ""},
	} {
		path := "/consumers/g/instances/c/" + c.path
		if c.path == "" {
			path = "/consumers/g/instances/c"
		}
		resp := e.call(t, c.method, path, c.body, other)
		if resp.Status != http.StatusNotFound || string(resp.Body) != string(unknown.Body) {
			t.Errorf("another principal's %s %s: %d %s, want the unknown instance's 404 %s", c.method, path, resp.Status, resp.Body, unknown.Body)
		}
	}
	if len(f.records) != 1 || f.commits != nil || f.seeks != nil || f.isClosed() || len(f.topics) != 1 || f.topics[0] != "orders" {
		t.Errorf("another principal changed the instance: %+v", f)
	}
	// Its creator still has it.
	consumersWant(t, e.call(t, "GET", "/consumers/g/instances/c/records", "", nil), http.StatusOK)
}

func TestConsumersPollAsksReadAgain(t *testing.T) {
	e := consumersNewEnv(t)
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "c"}`, nil), http.StatusOK)
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/subscription", `{"topics": ["orders"]}`, nil), http.StatusNoContent)
	f := e.fakes["c"]
	f.records = []kafka.Record{{Topic: "orders", Offset: 1, Value: []byte(`1`)}}
	// The policy changes after the subscription: orders may no longer be read.
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.Type != "TOPIC" || in.Resource.Name != "orders"}
	}
	consumersWant(t, e.call(t, "GET", "/consumers/g/instances/c/records", "", nil), http.StatusForbidden)
	if len(f.records) != 1 {
		t.Error("a denied poll consumed records")
	}
	e.policy.decide = nil
	consumersWant(t, e.call(t, "GET", "/consumers/g/instances/c/records", "", nil), http.StatusOK)
	if len(f.records) != 0 {
		t.Error("an allowed poll did not return the records")
	}
}

func TestConsumersPatternPollAsksAboutNewTopics(t *testing.T) {
	e := consumersNewEnv(t)
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "c"}`, nil), http.StatusOK)
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/subscription", `{"topic_pattern": "o.*"}`, nil), http.StatusNoContent)
	f := e.fakes["c"]
	// The pattern matched "orders" and then "ops", whose records arrive in
	// the poll; ops may not be read.
	f.assigned = []kafka.ConsumerPartition{{Topic: "orders"}}
	f.records = []kafka.Record{{Topic: "orders", Offset: 1, Value: []byte(`1`)}, {Topic: "ops", Offset: 1, Value: []byte(`2`)}}
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.Name != "ops"}
	}
	resp := e.call(t, "GET", "/consumers/g/instances/c/records", "", nil)
	consumersWant(t, resp, http.StatusOK)
	if recs := jsonArray(t, resp.Body); len(recs) != 1 || recs[0]["topic"] != "orders" {
		t.Errorf("records %s, want only orders'", resp.Body)
	}
	consumersWant(t, e.call(t, "GET", "/consumers/g/instances/c/records", "", nil), http.StatusForbidden)
	if len(f.records) != 1 {
		t.Error("a denied poll consumed records")
	}
}

func TestConsumersSeekAsksReadOnItsTopics(t *testing.T) {
	e := consumersNewEnv(t)
	consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "c"}`, nil), http.StatusOK)
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/assignments", `{"partitions": [{"topic": "orders", "partition": 0}, {"topic": "audit", "partition": 0}]}`, nil), http.StatusNoContent)
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.Name != "audit"}
	}
	for _, c := range []struct{ path, body string }{
		{"positions", `{"offsets": [{"topic": "orders", "partition": 0, "offset": 1}, {"topic": "audit", "partition": 0, "offset": 1}]}`},
		{"positions/beginning", `{"partitions": [{"topic": "audit", "partition": 0}]}`},
		{"positions/end", `{"partitions": [{"topic": "orders", "partition": 0}, {"topic": "audit", "partition": 0}]}`},
	} {
		consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/"+c.path, c.body, nil), http.StatusForbidden)
	}
	if f := e.fakes["c"]; f.seeks != nil {
		t.Errorf("denied seeks moved partitions: %v", f.seeks)
	}
	consumersWant(t, e.call(t, "POST", "/consumers/g/instances/c/positions/beginning", `{"partitions": [{"topic": "orders", "partition": 0}]}`, nil), http.StatusNoContent)
}

func jsonArray(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return out
}
