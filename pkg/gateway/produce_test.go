package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

const recordsPath = "/kafka/v3/clusters/lkc-1/topics/orders/records"

func stringRecord(value string) string {
	return `{"value":{"type":"STRING","data":"` + value + `"}}`
}

func TestProduce_RefusedBeforeTheBody(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		headers map[string]string
		eos     bool
		status  int
		code    int
		message string // a part of it
	}{
		{name: "wrong content-type", headers: map[string]string{"content-type": "text/plain"}, status: 415, code: 415, message: "got text/plain"},
		{name: "no content-type", headers: map[string]string{"content-type": ""}, status: 415, code: 415, message: "got none"},
		{name: "content-length over the limit", headers: map[string]string{"content-length": "4097"}, status: 413, code: 413, message: "The request body is 4097 bytes; the gateway accepts at most 4096 bytes."},
		{name: "no body", eos: true, status: 422, code: 422, message: "Request body is empty"},
		{name: "unknown topic", path: "/kafka/v3/clusters/lkc-1/topics/nope/records", status: 404, code: 40403, message: "This server does not host this topic-partition."},
		{name: "unknown cluster", path: "/kafka/v3/clusters/lkc-2/topics/orders/records", status: 404, code: 404, message: "Cluster lkc-2 cannot be found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			path := recordsPath
			if tt.path != "" {
				path = tt.path
			}
			req := post(path, tt.headers)
			req.EndOfStream = tt.eos
			resp, next := e.g.Headers(context.Background(), req)
			if next != nil || resp == nil {
				t.Fatalf("Headers asked for the body, want a %d", tt.status)
			}
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || !strings.Contains(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			if resp.Headers["x-request-id"] != "req-1" {
				t.Errorf("x-request-id = %q", resp.Headers["x-request-id"])
			}
		})
	}
}

func TestProduce_ContentLengthAtTheLimitReadsTheBody(t *testing.T) {
	e := newEnv(t)
	resp, next := e.g.Headers(context.Background(), post(recordsPath, map[string]string{"content-length": "4096"}))
	if resp != nil || next == nil {
		t.Fatalf("Headers = %+v, want a BodyFunc", resp)
	}
}

func TestProduce_RefusedBodiesWriteNothing(t *testing.T) {
	ok := stringRecord("ok")
	tests := []struct {
		name    string
		body    string
		deny    bool // the records phase denies
		status  int
		code    int
		message string // a part of it
	}{
		{name: "malformed JSON", body: `{"value":`, status: 400, code: 400, message: "record 0 is not valid JSON"},
		{name: "a good record then a bad one", body: ok + `{"value":{"type":"AVRO","data":{}}}`, status: 400, code: 400, message: "record 1: value.type AVRO"},
		{name: "empty body", body: "  ", status: 422, code: 422, message: "Request body is empty"},
		{name: "too many records", body: strings.Repeat(ok, 11), status: 400, code: 400, message: "at most 10 records"},
		{name: "body over the limit", body: ok + strings.Repeat(" ", 4097), status: 413, code: 413, message: "limit of 4096 bytes"},
		{name: "partition that does not exist", body: ok + `{"partition_id":3}`, status: 404, code: 40403,
			message: "orders has no partition 3 (it has 3), asked for by record 1."},
		{name: "record larger than max.message.bytes", body: ok + stringRecord(strings.Repeat("x", 851)), status: 413, code: 413,
			message: "record 1 needs about 1001 bytes; topic orders accepts 1000"},
		{name: "headers count towards the size", body: `{"headers":[{"name":"h","value":null}],"value":{"type":"STRING","data":"` + strings.Repeat("x", 842) + `"}}`,
			status: 413, code: 413, message: "record 0 needs about 1001 bytes"},
		{name: "a record may not carry the decision-id header", body: ok + `{"headers":[{"name":"Topicgate-Decision-Id","value":"Zm9yZ2Vk"}]}`,
			status: 400, code: 400, message: "record 1: the record header topicgate-decision-id is reserved"},
		{name: "the records phase denies", body: ok + ok, deny: true, status: 403, code: 40301, message: "Request is not authorized: too many"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = func(in *policy.Input) policy.Decision {
				return policy.Decision{Allow: !tt.deny || in.Phase != policy.PhaseRecords, Reason: "too many"}
			}
			resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}), []byte(tt.body))
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || !strings.Contains(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			if got := e.cluster.messages(); len(got) != 0 {
				t.Errorf("%d messages produced, want none: %+v", len(got), got)
			}
		})
	}
}

func TestProduce_RecordAtMaxMessageBytesIsSent(t *testing.T) {
	e := newEnv(t)
	// 850 bytes of value, 85 bytes of estimated overhead and 65 for the
	// decision-id header: exactly 1000.
	resp := e.serve(t, post(recordsPath, nil), []byte(stringRecord(strings.Repeat("x", 850))))
	if resp.Status != http.StatusOK || len(e.cluster.messages()) != 1 {
		t.Errorf("status %d, %d messages; want 200 and 1: %s", resp.Status, len(e.cluster.messages()), resp.Body)
	}
}

func TestProduce_Success(t *testing.T) {
	e := newEnv(t)
	body := `{"partition_id":2,"timestamp":"2024-05-01T12:00:00+02:00","key":{"type":"STRING","data":"k0"},"value":{"type":"JSON","data":{"n": 1}},` +
		`"headers":[{"name":"h","value":"dg=="},{"name":"nul"},{"name":"bin","value":"/w=="}]}` + "\n" +
		`{"value":{"type":"BINARY","data":"AAEC"}}` + "\n" +
		`{"key":{"type":"STRING","data":"k2"},"value":null}`
	resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}), []byte(body))
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	wantHeaders := map[string]string{"content-type": "application/json", "x-request-id": "req-1", "x-topicgate-decision-id": "decision-2"}
	if diff := cmp.Diff(wantHeaders, resp.Headers); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}

	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	// Each record carries the id of the records-phase decision (the second).
	decided := kafka.Header{Key: "topicgate-decision-id", Value: []byte("decision-2")}
	wantMsgs := []kafka.Message{
		{Topic: "orders", Partition: 2, Key: []byte("k0"), Value: []byte(`{"n":1}`), Timestamp: ts,
			Headers: []kafka.Header{{Key: "h", Value: []byte("v")}, {Key: "nul"}, {Key: "bin", Value: []byte{0xff}}, decided}},
		{Topic: "orders", Partition: kafka.PartitionAny, Value: []byte{0, 1, 2}, Headers: []kafka.Header{decided}},
		{Topic: "orders", Partition: kafka.PartitionAny, Key: []byte("k2"), Headers: []kafka.Header{decided}},
	}
	if diff := cmp.Diff(wantMsgs, e.cluster.messages()); diff != "" {
		t.Errorf("produced messages mismatch (-want +got):\n%s", diff)
	}

	wantResults := []map[string]any{
		{"error_code": 200.0, "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 2.0, "offset": 100.0,
			"timestamp": "2024-05-01T10:00:00Z", "key": map[string]any{"type": "STRING", "size": 2.0}, "value": map[string]any{"type": "JSON", "size": 7.0}},
		{"error_code": 200.0, "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 0.0, "offset": 101.0,
			"timestamp": "2024-05-01T12:00:00Z", "value": map[string]any{"type": "BINARY", "size": 3.0}},
		{"error_code": 200.0, "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 0.0, "offset": 102.0,
			"timestamp": "2024-05-01T12:00:00Z", "key": map[string]any{"type": "STRING", "size": 2.0}},
	}
	if diff := cmp.Diff(wantResults, jsonDocs(t, resp.Body)); diff != "" {
		t.Errorf("results mismatch (-want +got):\n%s", diff)
	}

	seen := e.policy.seen()
	if len(seen) != 2 || seen[0].Phase != policy.PhaseRequest || seen[1].Phase != policy.PhaseRecords {
		t.Fatalf("policy inputs %+v, want a request phase then a records phase", seen)
	}
	str := func(s string) *string { return &s }
	p2 := int32(2)
	wantRecords := []policy.Record{
		{
			Index: 0, Partition: &p2, Timestamp: str("2024-05-01T10:00:00Z"),
			Key:   &policy.Data{Type: "STRING", Data: "k0", Size: 2},
			Value: &policy.Data{Type: "JSON", Data: map[string]any{"n": json.Number("1")}, Size: 7},
			Headers: []policy.Header{
				{Name: "h", Value: str("v"), ValueBase64: str("dg==")},
				{Name: "nul"},
				{Name: "bin", ValueBase64: str("/w==")},
			},
			Size: 2 + 7 + 2 + 3 + 4,
		},
		{Index: 1, Value: &policy.Data{Type: "BINARY", Data: "AAEC", Size: 3}, Headers: []policy.Header{}, Size: 3},
		{Index: 2, Key: &policy.Data{Type: "STRING", Data: "k2", Size: 2}, Headers: []policy.Header{}, Size: 2},
	}
	if diff := cmp.Diff(wantRecords, seen[1].Records); diff != "" {
		t.Errorf("records input mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&policy.RecordsSummary{Count: 3, Bytes: 23}, seen[1].RecordsSummary); diff != "" {
		t.Errorf("records summary mismatch (-want +got):\n%s", diff)
	}
	if seen[1].Action != "produce" || seen[1].Principal.ID != "demo" || seen[1].Resource.Name != "orders" {
		t.Errorf("records phase input lost the request: %+v", seen[1])
	}
}

func TestProduce_DeliveryFailures(t *testing.T) {
	timedOut := ck.NewError(ck.ErrMsgTimedOut, "Local: Message timed out", false)
	tests := []struct {
		name       string
		fail       func(i int) error // the delivery error of record i
		status     int
		code       int
		retryAfter string
		results    []float64 // error_code per record, for a 200
	}{
		{name: "all timed out", fail: func(int) error { return timedOut }, status: 504, code: 50003, retryAfter: "1"},
		{name: "all refused: queue full", fail: func(int) error { return ck.NewError(ck.ErrQueueFull, "Local: Queue full", false) }, status: 429, code: 42901, retryAfter: "1"},
		{name: "all too large", fail: func(int) error { return ck.NewError(ck.ErrMsgSizeTooLarge, "Broker: Message size too large", false) }, status: 413, code: 413},
		{name: "all cut by the deadline", fail: func(int) error { return context.DeadlineExceeded }, status: 504, code: 50003, retryAfter: "1"},
		{
			name: "some failed", status: 200, results: []float64{200, 50003, 200},
			fail: func(i int) error {
				if i == 1 {
					return ck.NewError(ck.ErrNotEnoughReplicas, "Broker: Not enough in-sync replicas", false)
				}
				return nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.cluster.deliver = func(i int, m kafka.Message) kafka.Delivery {
				if err := tt.fail(i); err != nil {
					return kafka.Delivery{Partition: m.Partition, Offset: -1, Err: err}
				}
				return kafka.Delivery{Partition: 0, Offset: int64(i), Timestamp: ackTime}
			}
			resp := e.serve(t, post(recordsPath, nil), []byte(stringRecord("a")+stringRecord("b")+stringRecord("c")))
			if len(e.cluster.messages()) != 3 {
				t.Errorf("%d messages sent, want 3", len(e.cluster.messages()))
			}
			if resp.Status != tt.status || resp.Headers["retry-after"] != tt.retryAfter {
				t.Fatalf("status %d, retry-after %q; want %d, %q: %s", resp.Status, resp.Headers["retry-after"], tt.status, tt.retryAfter, resp.Body)
			}
			if tt.results == nil {
				if code, _ := errorBody(t, resp); code != tt.code {
					t.Errorf("error_code %d, want %d", code, tt.code)
				}
				return
			}
			var codes []float64
			for _, d := range jsonDocs(t, resp.Body) {
				codes = append(codes, d["error_code"].(float64))
				if d["error_code"] != 200.0 && d["message"] != "The Kafka cluster is not available; retry later." {
					t.Errorf("failed result %v lacks its message", d)
				}
			}
			if diff := cmp.Diff(tt.results, codes); diff != "" {
				t.Errorf("error codes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func BenchmarkProduceOneRecord(b *testing.B) {
	e := newEnv(b)
	body := []byte(`{"key":{"type":"STRING","data":"order-1"},"value":{"type":"JSON","data":{"id":1,"amount":12.5}}}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e.cluster.produced, e.policy.inputs = e.cluster.produced[:0], e.policy.inputs[:0]
		_, next := e.g.Headers(ctx, post(recordsPath, map[string]string{"authorization": demoAuth}))
		if resp := next(ctx, body); resp.Status != http.StatusOK {
			b.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
	}
}
