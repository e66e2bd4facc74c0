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

// Read answers with c.read; without one, the partition is empty at offset 7.
func (c *fakeCluster) Read(_ context.Context, req kafka.ReadRequest) (kafka.ReadResult, error) {
	if c.read != nil {
		return c.read(req)
	}
	return kafka.ReadResult{NextOffset: 7, LogStartOffset: 0, HighWatermark: 7}, nil
}

const readsPath = "/kafka/v3/clusters/lkc-1/topics/orders/partitions/1/records"

var readsTime = time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)

// readsTwo is a page of two records: a JSON value with a key and a header,
// and a tombstone without key.
func readsTwo(req kafka.ReadRequest) (kafka.ReadResult, error) {
	return kafka.ReadResult{
		Records: []kafka.Record{
			{Topic: req.Topic, Partition: req.Partition, Offset: 5, Key: []byte("k1"), Value: []byte(`{"a":1}`),
				Headers: []kafka.Header{{Key: "h", Value: []byte("v")}}, Timestamp: readsTime, TimestampType: "CREATE_TIME"},
			{Topic: req.Topic, Partition: req.Partition, Offset: 6, Timestamp: readsTime},
		},
		NextOffset: 7, LogStartOffset: 2, HighWatermark: 9,
	}, nil
}

// readsRecorder records the requests the fake cluster gets.
func readsRecorder(e *env, answer func(kafka.ReadRequest) (kafka.ReadResult, error)) *[]kafka.ReadRequest {
	var got []kafka.ReadRequest
	e.cluster.read = func(req kafka.ReadRequest) (kafka.ReadResult, error) {
		got = append(got, req)
		return answer(req)
	}
	return &got
}

func TestReads_V3PageOfRecords(t *testing.T) {
	e := newEnv(t)
	reqs := readsRecorder(e, readsTwo)
	resp := e.serve(t, get(readsPath+"?offset=5&max_records=2&timeout_ms=100", map[string]string{"authorization": demoAuth}), nil)
	if resp.Status != 200 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	wantReq := []kafka.ReadRequest{{Topic: "orders", Partition: 1, Offset: 5, MaxRecords: 2, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond}}
	if diff := cmp.Diff(wantReq, *reqs); diff != "" {
		t.Errorf("read request (-want +got):\n%s", diff)
	}
	want := `{"kind":"KafkaRecordList","metadata":{` +
		`"self":"https://gw.example.com/kafka/v3/clusters/lkc-1/topics/orders/partitions/1/records?max_records=2\u0026offset=5\u0026timeout_ms=100",` +
		`"next":"https://gw.example.com/kafka/v3/clusters/lkc-1/topics/orders/partitions/1/records?max_records=2\u0026offset=7\u0026timeout_ms=100"},` +
		`"cluster_id":"lkc-1","topic_name":"orders","partition_id":1,"next_offset":7,"log_start_offset":2,"high_watermark":9,"data":[` +
		`{"partition_id":1,"offset":5,"timestamp":"2024-05-01T12:00:00.123Z","key":{"type":"BINARY","data":"azE="},"value":{"type":"BINARY","data":"eyJhIjoxfQ=="},"headers":[{"name":"h","value":"dg=="}]},` +
		`{"partition_id":1,"offset":6,"timestamp":"2024-05-01T12:00:00.123Z","key":null,"value":null,"headers":[]}]}`
	if string(resp.Body) != want {
		t.Errorf("body\n got %s\nwant %s", resp.Body, want)
	}
	if in := e.policy.seen(); len(in) != 1 || in[0].Operation != "READ" || in[0].Action != "read_records" || in[0].Resource != (policy.Resource{Type: "TOPIC", Name: "orders"}) {
		t.Errorf("policy input: %+v", in)
	}
}

func TestReads_V3Formats(t *testing.T) {
	tests := []struct {
		format, key, value string
	}{
		{"json", `null`, `{"type":"JSON","data":{"a":1}}`},
		{"string", `{"type":"STRING","data":"k1"}`, `{"type":"STRING","data":"{\"a\":1}"}`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			e := newEnv(t)
			e.cluster.read = func(req kafka.ReadRequest) (kafka.ReadResult, error) {
				r, _ := readsTwo(req)
				if tt.format == "json" {
					r.Records[0].Key = nil // "k1" is not JSON
				}
				return r, nil
			}
			resp := e.serve(t, get(readsPath+"?format="+tt.format, map[string]string{"authorization": demoAuth}), nil)
			var body struct {
				Data []struct{ Key, Value json.RawMessage }
			}
			if err := json.Unmarshal(resp.Body, &body); err != nil || resp.Status != 200 || len(body.Data) != 2 {
				t.Fatalf("status %d, %v: %s", resp.Status, err, resp.Body)
			}
			if string(body.Data[0].Key) != tt.key || string(body.Data[0].Value) != tt.value {
				t.Errorf("key %s value %s, want %s %s", body.Data[0].Key, body.Data[0].Value, tt.key, tt.value)
			}
		})
	}
}

func TestReads_LimitsAreCapped(t *testing.T) {
	tests := []struct {
		name, query string
		want        kafka.ReadRequest
	}{
		{"defaults", "", kafka.ReadRequest{Offset: kafka.OffsetEarliest, MaxRecords: 100, MaxBytes: 1 << 20}},
		{"above the caps", "?offset=latest&max_records=5000&max_bytes=99999999&timeout_ms=60000",
			kafka.ReadRequest{Offset: kafka.OffsetLatest, MaxRecords: 100, MaxBytes: 1 << 20, MaxWait: 5 * time.Second}},
		{"below the caps", "?offset=earliest&max_records=3&max_bytes=10&timeout_ms=0",
			kafka.ReadRequest{Offset: kafka.OffsetEarliest, MaxRecords: 3, MaxBytes: 10}},
		{"timestamp in ms", "?timestamp=1714564800123",
			kafka.ReadRequest{Offset: kafka.OffsetEarliest, Timestamp: readsTime, MaxRecords: 100, MaxBytes: 1 << 20}},
		{"timestamp in RFC 3339", "?timestamp=2024-05-01T14:00:00.123%2B02:00",
			kafka.ReadRequest{Offset: kafka.OffsetEarliest, Timestamp: readsTime, MaxRecords: 100, MaxBytes: 1 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			reqs := readsRecorder(e, readsTwo)
			resp := e.serve(t, get(readsPath+tt.query, map[string]string{"authorization": demoAuth}), nil)
			if resp.Status != 200 || len(*reqs) != 1 {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			tt.want.Topic, tt.want.Partition = "orders", 1
			got := (*reqs)[0]
			if !got.Timestamp.Equal(tt.want.Timestamp) {
				t.Errorf("timestamp %v, want %v", got.Timestamp, tt.want.Timestamp)
			}
			got.Timestamp, tt.want.Timestamp = time.Time{}, time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("read request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReads_V2WithAcceptFormats(t *testing.T) {
	tests := []struct {
		accept, contentType, key string
	}{
		{"", "application/vnd.kafka.binary.v2+json", `"azE="`},
		{"*/*", "application/vnd.kafka.binary.v2+json", `"azE="`},
		{"application/vnd.kafka.text.v2+json", "application/vnd.kafka.text.v2+json", `"k1"`},
		{"text/html, application/vnd.kafka.binary.v2+json;q=0.9", "application/vnd.kafka.binary.v2+json", `"azE="`},
		// The bridge's generic type is accepted, as by a poll: the default format.
		{"application/vnd.kafka.v2+json", "application/vnd.kafka.binary.v2+json", `"azE="`},
		// q=0 refuses a type, even under a wildcard.
		{"*/*, application/vnd.kafka.binary.v2+json;q=0, application/vnd.kafka.json.v2+json;q=0", "application/vnd.kafka.text.v2+json", `"k1"`},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			e := newEnv(t)
			reqs := readsRecorder(e, readsTwo)
			resp := e.serve(t, get("/topics/orders/partitions/1/records?offset=5&timeout=250", map[string]string{"authorization": demoAuth, "accept": tt.accept}), nil)
			if resp.Status != 200 {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			if (*reqs)[0].MaxWait != 250*time.Millisecond {
				t.Errorf("max wait %v, want the timeout parameter", (*reqs)[0].MaxWait)
			}
			if resp.Headers["content-type"] != tt.contentType || resp.Headers["x-topicgate-next-offset"] != "7" {
				t.Errorf("headers %v", resp.Headers)
			}
			var recs []struct {
				Topic     string
				Key       json.RawMessage
				Offset    int64
				Timestamp int64
			}
			if err := json.Unmarshal(resp.Body, &recs); err != nil || len(recs) != 2 {
				t.Fatalf("%v: %s", err, resp.Body)
			}
			if string(recs[0].Key) != tt.key || recs[0].Topic != "orders" || recs[0].Offset != 5 || recs[0].Timestamp != readsTime.UnixMilli() {
				t.Errorf("first record %+v (key %s)", recs[0], recs[0].Key)
			}
		})
	}
}

func TestReads_Refused(t *testing.T) {
	rangeErr := &kafka.RangeError{Topic: "orders", Partition: 1, Offset: 50, LogStartOffset: 2, HighWatermark: 9}
	tests := []struct {
		name, path string
		accept     string
		readErr    error
		status     int
		code       int
		message    string // a part of it
	}{
		{name: "offset and timestamp", path: readsPath + "?offset=1&timestamp=5", status: 400, code: 400, message: "give offset or timestamp, not both"},
		{name: "negative offset", path: readsPath + "?offset=-1", status: 400, code: 400, message: `offset must be an offset (0 or more), earliest or latest, got "-1"`},
		{name: "offset not a number", path: readsPath + "?offset=first", status: 400, code: 400, message: `got "first"`},
		{name: "bad timestamp", path: readsPath + "?timestamp=yesterday", status: 400, code: 400, message: "timestamp must be milliseconds since the epoch or an RFC 3339 date-time"},
		{name: "max_records zero", path: readsPath + "?max_records=0", status: 400, code: 400, message: `max_records must be a whole number, 1 or more, got "0"`},
		{name: "max_records not a number", path: readsPath + "?max_records=ten", status: 400, code: 400, message: `got "ten"`},
		{name: "max_bytes negative", path: readsPath + "?max_bytes=-5", status: 400, code: 400, message: "max_bytes must be"},
		{name: "negative timeout", path: readsPath + "?timeout_ms=-1", status: 400, code: 400, message: `timeout_ms must be a whole number, 0 or more, got "-1"`},
		{name: "offset given twice", path: readsPath + "?offset=1&offset=2", status: 400, code: 400, message: "offset is given 2 times"},
		{name: "unknown format", path: readsPath + "?format=avro", status: 400, code: 400, message: "format must be binary, json or string"},
		{name: "unknown topic", path: "/kafka/v3/clusters/lkc-1/topics/nope/partitions/0/records", status: 404, code: 40403, message: "This server does not host this topic-partition."},
		{name: "unknown partition", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions/3/records", status: 404, code: 40403, message: "orders has no partition 3"},
		{name: "offset out of range", path: readsPath + "?offset=50", readErr: rangeErr, status: 416, code: 41601, message: "Offset 50 is out of range for orders-1: valid offsets are 2 to 9"},
		{name: "Kafka down", path: readsPath, readErr: ck.NewError(ck.ErrAllBrokersDown, "down", false), status: 503, code: 50003, message: "not available"},
		{name: "json asked of binary data", path: readsPath + "?format=json", status: 406, code: 406, message: "The key of the record at offset 5 of orders-1 is not valid json"},
		{name: "v2 bad accept", path: "/topics/orders/partitions/1/records", accept: "application/json", status: 406, code: 406, message: "HTTP 406 Not Acceptable"},
		{name: "v2 error code is the status", path: "/topics/orders/partitions/1/records?max_records=0", status: 400, code: 400, message: "max_records"},
		{name: "v2 out of range", path: "/topics/orders/partitions/1/records?offset=50", readErr: rangeErr, status: 416, code: 416, message: "valid offsets are 2 to 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			reqs := readsRecorder(e, func(req kafka.ReadRequest) (kafka.ReadResult, error) {
				if tt.readErr != nil {
					return kafka.ReadResult{}, tt.readErr
				}
				return readsTwo(req)
			})
			resp := e.serve(t, get(tt.path, map[string]string{"authorization": demoAuth, "accept": tt.accept}), nil)
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || !strings.Contains(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			wantCT := "application/json"
			if !strings.HasPrefix(tt.path, "/kafka/") && !strings.HasPrefix(tt.path, "/v3/") {
				wantCT = "application/vnd.kafka.v2+json" // the bridge's errors
			}
			if resp.Headers["content-type"] != wantCT {
				t.Errorf("content-type %q, want %q", resp.Headers["content-type"], wantCT)
			}
			if tt.status == 400 && len(*reqs) != 0 {
				t.Errorf("a bad request reached Kafka: %+v", *reqs)
			}
		})
	}
}

func TestReads_DeniedReadsNothing(t *testing.T) {
	e := newEnv(t)
	reqs := readsRecorder(e, readsTwo)
	e.policy.decide = func(in *policy.Input) policy.Decision { return policy.Decision{Allow: false} }
	resp := e.serve(t, get(readsPath, map[string]string{"authorization": demoAuth}), nil)
	if resp.Status != 403 || len(*reqs) != 0 {
		t.Errorf("status %d, %d reads: %s", resp.Status, len(*reqs), resp.Body)
	}
}
