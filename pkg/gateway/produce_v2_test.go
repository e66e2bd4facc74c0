package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

const (
	produceV2Path       = "/topics/orders"
	produceV2JSON       = "application/vnd.kafka.json.v2+json"
	produceV2Binary     = "application/vnd.kafka.binary.v2+json"
	produceV2PartitionP = "/topics/orders/partitions/2"
)

func produceV2Post(contentType string) map[string]string {
	return map[string]string{"authorization": demoAuth, "content-type": contentType}
}

func TestProduceV2_Success(t *testing.T) {
	e := newEnv(t)
	body := `{"records":[{"key":"AAE=","value":"/w==","timestamp":1714564800000,"headers":[{"key":"h","value":"dg=="}]},{"value":null,"partition":1}]}`
	resp := e.serve(t, post(produceV2Path, produceV2Post(produceV2Binary)), []byte(body))
	if resp.Status != 200 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if got, want := string(resp.Body), `{"offsets":[{"partition":0,"offset":100},{"partition":1,"offset":101}]}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	decided := kafka.Header{Key: "topicgate-decision-id", Value: []byte("decision-2")}
	want := []kafka.Message{
		{Topic: "orders", Partition: kafka.PartitionAny, Key: []byte{0, 1}, Value: []byte{0xff}, Timestamp: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
			Headers: []kafka.Header{{Key: "h", Value: []byte("v")}, decided}},
		{Topic: "orders", Partition: 1, Headers: []kafka.Header{decided}},
	}
	if diff := cmp.Diff(want, e.cluster.messages()); diff != "" {
		t.Errorf("produced mismatch (-want +got):\n%s", diff)
	}
	seen := e.policy.seen()
	if len(seen) != 2 || seen[1].Phase != policy.PhaseRecords || seen[1].Request.API != "v2" {
		t.Fatalf("policy inputs %+v", seen)
	}
	if v := seen[1].Records[0].Value; v.Type != "BINARY" || v.Data != "/w==" || v.Size != 1 {
		t.Errorf("the policy saw value %+v; want it typed as v3 BINARY", v)
	}
}

func TestProduceV2_ToPartitionAndJSON(t *testing.T) {
	e := newEnv(t)
	resp := e.serve(t, post(produceV2PartitionP, produceV2Post(produceV2JSON)), []byte(`{"records":[{"key":{"id":1},"value":[1, 2]}]}`))
	if resp.Status != 200 || string(resp.Body) != `{"offsets":[{"partition":2,"offset":100}]}` {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	m := e.cluster.messages()
	if len(m) != 1 || m[0].Partition != 2 || string(m[0].Key) != `{"id":1}` || string(m[0].Value) != `[1,2]` {
		t.Errorf("produced %+v", m)
	}
	var in struct {
		Data any `json:"data"`
	}
	b, _ := json.Marshal(e.policy.seen()[1].Records[0].Key)
	if err := json.Unmarshal(b, &in); err != nil || !cmp.Equal(in.Data, map[string]any{"id": 1.0}) {
		t.Errorf("the policy saw key %s; want the decoded JSON", b)
	}
}

func TestProduceV2_Async(t *testing.T) {
	e := newEnv(t)
	resp := e.serve(t, post(produceV2Path+"?async=true", produceV2Post(produceV2JSON)), []byte(`{"records":[{"value":"a"},{"value":"b"}]}`))
	if resp.Status != 204 || len(resp.Body) != 0 || resp.Headers["content-type"] != "" {
		t.Fatalf("status %d, headers %v: %s", resp.Status, resp.Headers, resp.Body)
	}
	if n := len(e.cluster.messages()); n != 2 {
		t.Errorf("%d messages handed to the producer, want 2", n)
	}
}

// A full producer queue: nothing queued is safe to retry (429 with
// Retry-After); some queued must not be resent, so the answer says which.
func TestProduceV2_AsyncQueueFull(t *testing.T) {
	for _, tt := range []struct {
		room       int
		retryAfter string
		message    string
	}{
		{room: 0, retryAfter: "1", message: "retry later"},
		{room: 2, retryAfter: "", message: "2 of 3 records were queued and will be written; the others were not"},
	} {
		e := newEnv(t)
		e.cluster.queueRoom = &tt.room
		resp := e.serve(t, post(produceV2Path+"?async=true", produceV2Post(produceV2JSON)), []byte(`{"records":[{"value":"a"},{"value":"b"},{"value":"c"}]}`))
		code, msg := errorBody(t, resp)
		if resp.Status != 429 || code != 429 || resp.Headers["retry-after"] != tt.retryAfter || !strings.Contains(msg, tt.message) {
			t.Errorf("room %d: %d/%d retry-after %q %q", tt.room, resp.Status, code, resp.Headers["retry-after"], msg)
		}
		if n := len(e.cluster.messages()); n != tt.room {
			t.Errorf("room %d: %d records queued", tt.room, n)
		}
	}
}

func TestProduceV2_DeliveryFailures(t *testing.T) {
	e := newEnv(t)
	e.cluster.deliver = func(i int, m kafka.Message) kafka.Delivery {
		if i == 1 {
			return kafka.Delivery{Offset: -1, Err: ck.NewError(ck.ErrNotEnoughReplicas, "not enough", false)}
		}
		return kafka.Delivery{Partition: 0, Offset: int64(i)}
	}
	resp := e.serve(t, post(produceV2Path, produceV2Post(produceV2JSON)), []byte(`{"records":[{"value":1},{"value":2}]}`))
	want := `{"offsets":[{"partition":0,"offset":0},{"error_code":503,"message":"The Kafka cluster is not available; retry later."}]}`
	if resp.Status != 200 || string(resp.Body) != want {
		t.Errorf("status %d: %s; want 200 %s", resp.Status, resp.Body, want)
	}

	e.cluster.deliver = func(int, kafka.Message) kafka.Delivery {
		return kafka.Delivery{Offset: -1, Err: ck.NewError(ck.ErrMsgTimedOut, "timed out", false)}
	}
	resp = e.serve(t, post(produceV2Path, produceV2Post(produceV2JSON)), []byte(`{"records":[{"value":1}]}`))
	if code, _ := errorBody(t, resp); resp.Status != 504 || code != 504 || resp.Headers["retry-after"] != "1" {
		t.Errorf("every record failed: got %d/%d %v, want 504/504 with retry-after", resp.Status, code, resp.Headers)
	}
}

func TestProduceV2_RefusedWritesNothing(t *testing.T) {
	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		deny        bool
		status      int
		message     string
	}{
		{name: "v3 media type", contentType: "application/json", body: `{"records":[{"value":1}]}`, status: 415, message: "application/vnd.kafka.json.v2+json"},
		{name: "avro", contentType: "application/vnd.kafka.avro.v2+json", body: `{"records":[{"value":1}]}`, status: 415, message: "got application/vnd.kafka.avro.v2+json"},
		{name: "unknown topic", path: "/topics/nope", body: `{"records":[{"value":1}]}`, status: 404, message: "This server does not host this topic-partition."},
		{name: "unknown path partition", path: "/topics/orders/partitions/3", body: `{"records":[{"value":1}]}`, status: 404, message: "orders has no partition 3"},
		{name: "bad async", path: "/topics/orders?async=yes", body: `{"records":[{"value":1}]}`, status: 400, message: `async must be true or false, got "yes"`},
		{name: "malformed JSON", body: `{"records":`, status: 422, message: "the body is not valid JSON"},
		{name: "bad record after a good one", contentType: produceV2Binary, body: `{"records":[{"value":"AA=="},{"value":"!"}]}`, status: 422, message: "record 1: value is not valid base64"},
		{name: "body partition that does not exist", body: `{"records":[{"value":1},{"value":2,"partition":5}]}`, status: 404, message: "orders has no partition 5 (it has 3), asked for by record 1"},
		{name: "record too large", body: `{"records":[{"value":"` + strings.Repeat("x", 950) + `"}]}`, status: 413, message: "record 0 needs about"},
		{name: "records phase denies", body: `{"records":[{"value":1}]}`, deny: true, status: 403, message: "Request is not authorized: no"},
		{name: "records phase denies async", path: "/topics/orders?async=true", body: `{"records":[{"value":1}]}`, deny: true, status: 403, message: "Request is not authorized: no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = func(in *policy.Input) policy.Decision {
				return policy.Decision{Allow: !tt.deny || in.Phase != policy.PhaseRecords, Reason: "no"}
			}
			path, ct := produceV2Path, produceV2JSON
			if tt.path != "" {
				path = tt.path
			}
			if tt.contentType != "" {
				ct = tt.contentType
			}
			req := post(path, produceV2Post(ct))
			resp, next := e.g.Headers(context.Background(), req)
			if next != nil {
				resp = next(context.Background(), []byte(tt.body))
			}
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.status || !strings.Contains(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, code, msg, tt.status, tt.status, tt.message)
			}
			if n := len(e.cluster.messages()); n != 0 {
				t.Errorf("%d messages sent, want none", n)
			}
		})
	}
}
