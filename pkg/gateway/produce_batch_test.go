package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

const produceBatchPath = "/kafka/v3/clusters/lkc-1/topics/orders/records:batch"

type produceBatchAnswer struct {
	Successes []map[string]any `json:"successes"`
	Failures  []map[string]any `json:"failures"`
}

func produceBatchDecode(t *testing.T, body []byte) produceBatchAnswer {
	t.Helper()
	var a produceBatchAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return a
}

func TestProduceBatch_GoodAndBadEntries(t *testing.T) {
	e := newEnv(t)
	e.cluster.deliver = func(i int, m kafka.Message) kafka.Delivery {
		if string(m.Key) == "kafka-refuses" {
			return kafka.Delivery{Partition: m.Partition, Offset: -1, Err: ck.NewError(ck.ErrMsgSizeTooLarge, "too large", false)}
		}
		return kafka.Delivery{Partition: 1, Offset: int64(10 + i), Timestamp: ackTime}
	}
	body := `{"entries":[
		{"id":"a","key":{"type":"STRING","data":"ka"},"value":{"type":"JSON","data":[1,2]}},
		{"id":"b","value":{"type":"BINARY","data":"not base64!"}},
		{"id":"c","partition_id":7,"value":null},
		{"id":"d","value":{"type":"STRING","data":"` + strings.Repeat("x", 851) + `"}},
		{"id":"e","key":{"type":"STRING","data":"kafka-refuses"}},
		{"id":"f","partition_id":1,"headers":[{"name":"h","value":"dg=="}]}
	]}`
	resp := e.serve(t, post(produceBatchPath, map[string]string{"authorization": demoAuth}), []byte(body))
	if resp.Status != 207 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	want := produceBatchAnswer{
		Successes: []map[string]any{
			{"id": "a", "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 1.0, "offset": 10.0, "timestamp": "2024-05-01T12:00:00Z",
				"key": map[string]any{"type": "STRING", "size": 2.0}, "value": map[string]any{"type": "JSON", "size": 5.0}},
			{"id": "f", "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 1.0, "offset": 12.0, "timestamp": "2024-05-01T12:00:00Z"},
		},
		Failures: []map[string]any{
			{"id": "b", "error_code": 400.0, "message": `Bad Request: entry "b": value.data is not a base64 string`},
			{"id": "c", "error_code": 40403.0, "message": `This server does not host this topic-partition: orders has no partition 7 (it has 3), asked for by entry "c".`},
			{"id": "d", "error_code": 413.0, "message": `The request included a message larger than the maximum message size the server can accept: entry "d" needs about 1001 bytes; topic orders accepts 1000 (max.message.bytes).`},
			{"id": "e", "error_code": 413.0, "message": "The request included a message larger than the maximum message size the server can accept."},
		},
	}
	if diff := cmp.Diff(want, produceBatchDecode(t, resp.Body)); diff != "" {
		t.Errorf("answer mismatch (-want +got):\n%s", diff)
	}
	var keys []string
	for _, m := range e.cluster.messages() {
		keys = append(keys, string(m.Key))
	}
	if diff := cmp.Diff([]string{"ka", "kafka-refuses", ""}, keys); diff != "" {
		t.Errorf("sent to Kafka (-want +got):\n%s", diff)
	}
	seen := e.policy.seen()
	if len(seen) != 2 || seen[1].Phase != policy.PhaseRecords || seen[1].Action != "produce_batch" {
		t.Fatalf("policy inputs %+v", seen)
	}
	var idx []int
	for _, r := range seen[1].Records {
		idx = append(idx, r.Index)
	}
	if diff := cmp.Diff([]int{0, 4, 5}, idx); diff != "" {
		t.Errorf("the policy saw entries (-want +got):\n%s", diff)
	}
}

func TestProduceBatch_EveryEntryInvalidWritesNothing(t *testing.T) {
	e := newEnv(t)
	resp := e.serve(t, post(produceBatchPath, nil), []byte(`{"entries":[{"id":"x","value":{"type":"NOPE"}}]}`))
	a := produceBatchDecode(t, resp.Body)
	if resp.Status != 207 || len(a.Successes) != 0 || len(a.Failures) != 1 || len(e.cluster.messages()) != 0 {
		t.Errorf("status %d, %s, %d sent; want 207, one failure, nothing sent", resp.Status, resp.Body, len(e.cluster.messages()))
	}
	if n := len(e.policy.seen()); n != 1 {
		t.Errorf("policy asked %d times; want only the request phase", n)
	}
}

func TestProduceBatch_RefusedRequestsWriteNothing(t *testing.T) {
	ok := func(id string) string { return `{"id":"` + id + `","value":{"type":"STRING","data":"v"}}` }
	tests := []struct {
		name    string
		headers map[string]string
		body    string
		deny    bool
		status  int
		code    int
		message string
	}{
		{name: "duplicate ids", body: `{"entries":[` + ok("1") + `,` + ok("1") + `]}`, status: 422, code: 42208, message: "not distinct"},
		{name: "too many entries", body: `{"entries":[` + strings.TrimSuffix(strings.Repeat(ok("x")+",", 11), ",") + `]}`, status: 422, code: 42208, message: "Produce batch error: a request may hold at most 10 records, got 11"},
		{name: "empty batch", body: `{"entries":[]}`, status: 422, code: 42208, message: "no entries"},
		{name: "malformed JSON", body: `{"entries":[` + ok("1"), status: 400, code: 400, message: "Bad Request: the body is not valid JSON"},
		{name: "records phase denies", body: `{"entries":[` + ok("1") + `]}`, deny: true, status: 403, code: 40301, message: "no"},
		{name: "wrong content type", headers: map[string]string{"content-type": "text/plain"}, body: "{}", status: 415, code: 415, message: "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = func(in *policy.Input) policy.Decision {
				return policy.Decision{Allow: !tt.deny || in.Phase != policy.PhaseRecords, Reason: "no"}
			}
			headers := map[string]string{"authorization": demoAuth}
			for k, v := range tt.headers {
				headers[k] = v
			}
			resp := e.serve(t, post(produceBatchPath, headers), []byte(tt.body))
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || !strings.Contains(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			if n := len(e.cluster.messages()); n != 0 {
				t.Errorf("%d messages sent, want none", n)
			}
		})
	}
}
