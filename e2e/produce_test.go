package e2e

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// The README's record lands in Kafka once, with its key and value.
func TestProduceReadmeRecord(t *testing.T) {
	id := fmt.Sprintf("order-%d", time.Now().UnixNano())
	body := `{"key": {"type": "STRING", "data": "` + id + `"}, "value": {"type": "JSON", "data": {"productId": "456ijk"}}}`
	rs := results(t, produce(t, "orders", body))
	if len(rs) != 1 {
		t.Fatalf("want 1 result, got %d", len(rs))
	}
	r := rs[0]
	if r.ErrorCode != 200 || r.ClusterID != st.ClusterID || r.TopicName != "orders" || r.PartitionID != 0 {
		t.Fatalf("result %+v", r)
	}
	if r.Key == nil || r.Key.Type != "STRING" || r.Key.Size != len(id) || r.Value == nil || r.Value.Type != "JSON" || r.Value.Size != len(`{"productId":"456ijk"}`) {
		t.Errorf("key/value summary %+v %+v", r.Key, r.Value)
	}
	ts, err := time.Parse(time.RFC3339Nano, *r.Timestamp)
	if err != nil || time.Since(ts) > time.Minute {
		t.Errorf("timestamp %v: %v", *r.Timestamp, err)
	}

	found := 0
	for _, m := range readTopic(t, "orders") {
		if string(m.Key) != id {
			continue
		}
		found++
		if string(m.Value) != `{"productId":"456ijk"}` || int64(m.TopicPartition.Offset) != r.Offset {
			t.Errorf("landed %s at offset %d, answered offset %d", m.Value, m.TopicPartition.Offset, r.Offset)
		}
		if !m.Timestamp.Equal(ts) {
			t.Errorf("record timestamp %v, answered %v", m.Timestamp, ts)
		}
	}
	if found != 1 {
		t.Fatalf("record %s landed %d times, want once", id, found)
	}
}

// Several concatenated records, every data type, headers, explicit
// partitions and timestamps: each answered in order, each landed exactly once
// where it was sent, byte for byte.
func TestProduceConcatenatedRecords(t *testing.T) {
	run := time.Now().UnixNano()
	type want struct {
		key, value string
		partition  int32
		headers    map[string]string
		ts         string
	}
	wants := []want{
		{key: fmt.Sprintf("a-%d", run), value: "plain text", partition: 0, headers: map[string]string{"trace": "t-1"}},
		{key: fmt.Sprintf("b-%d", run), value: "\x00\x01binary\xff", partition: 1, ts: "2021-02-05T19:14:42Z"},
		{key: fmt.Sprintf("c-%d", run), value: `{"n":1,"list":[true,null]}`, partition: 2, headers: map[string]string{"h1": "x", "h2": "y"}},
	}
	b64 := base64.StdEncoding.EncodeToString
	body := strings.Join([]string{
		`{"partition_id": 0, "key": {"type": "STRING", "data": "` + wants[0].key + `"}, "value": {"type": "STRING", "data": "plain text"}, "headers": [{"name": "trace", "value": "` + b64([]byte("t-1")) + `"}]}`,
		`{"partition_id": 1, "key": {"type": "BINARY", "data": "` + b64([]byte(wants[1].key)) + `"}, "value": {"type": "BINARY", "data": "` + b64([]byte(wants[1].value)) + `"}, "timestamp": "2021-02-05T19:14:42Z"}`,
		`{"partition_id": 2, "key": {"type": "STRING", "data": "` + wants[2].key + `"}, "value": {"type": "JSON", "data": {"n": 1, "list": [true, null]}}, "headers": [{"name": "h1", "value": "eA=="}, {"name": "h2", "value": "eQ=="}]}`,
	}, "\n")
	answer := produce(t, "multi", body)
	rs := results(t, answer)
	if len(rs) != len(wants) {
		t.Fatalf("want %d results, got %d", len(wants), len(rs))
	}
	for i, r := range rs {
		if r.ErrorCode != 200 || r.PartitionID != wants[i].partition {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if *rs[1].Timestamp != "2021-02-05T19:14:42Z" {
		t.Errorf("timestamp answered %s", *rs[1].Timestamp)
	}

	landed := map[string]int{}
	for _, m := range readTopic(t, "multi") {
		for i, w := range wants {
			if string(m.Key) != w.key {
				continue
			}
			landed[w.key]++
			if string(m.Value) != w.value || m.TopicPartition.Partition != w.partition || int64(m.TopicPartition.Offset) != rs[i].Offset {
				t.Errorf("record %d landed as %q partition %d offset %d", i, m.Value, m.TopicPartition.Partition, m.TopicPartition.Offset)
			}
			// The client's headers, then topicgate's decision id (policy_records_test.go).
			if len(m.Headers) != len(w.headers)+1 || m.Headers[len(m.Headers)-1].Key != "topicgate-decision-id" ||
				string(m.Headers[len(m.Headers)-1].Value) != answer.Header.Get("X-Topicgate-Decision-Id") {
				t.Errorf("record %d headers %v", i, m.Headers)
			}
			for k, v := range w.headers {
				if got, ok := header(m, k); !ok || got != v {
					t.Errorf("record %d header %s=%q", i, k, got)
				}
			}
			if w.ts != "" && m.Timestamp.UTC().Format(time.RFC3339) != w.ts {
				t.Errorf("record %d timestamp %v", i, m.Timestamp)
			}
		}
	}
	for _, w := range wants {
		if landed[w.key] != 1 {
			t.Errorf("record %s landed %d times, want once", w.key, landed[w.key])
		}
	}
}

// Records without a partition are spread by key with the Java client's
// partitioner, so the same key always lands in the same partition.
func TestProduceKeyedRecordsStayTogether(t *testing.T) {
	key := fmt.Sprintf("k-%d", time.Now().UnixNano())
	var body strings.Builder
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&body, `{"key":{"type":"STRING","data":%q},"value":{"type":"STRING","data":"v%d"}}`, key, i)
	}
	rs := results(t, produce(t, "multi", body.String()))
	if len(rs) != 5 {
		t.Fatalf("want 5 results, got %d", len(rs))
	}
	for i, r := range rs {
		if r.ErrorCode != 200 || r.PartitionID != rs[0].PartitionID {
			t.Errorf("result %d: %+v", i, r)
		}
		if i > 0 && r.Offset != rs[i-1].Offset+1 {
			t.Errorf("offsets not consecutive: %d after %d", r.Offset, rs[i-1].Offset)
		}
	}
}

// A chunked stream of concatenated records, written in several chunks as it
// is produced: Envoy buffers it whole, and the answer has one result per
// record, in order, each landed where its result says.
func TestProduceStreamedChunks(t *testing.T) {
	topic := "produce-stream"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 3})
	const n = 200
	pr, pw := io.Pipe()
	go func() {
		for i := range n {
			rec := fmt.Sprintf(`{"key":{"type":"STRING","data":"k%03d"},"value":{"type":"STRING","data":"v%03d"}}`+"\n", i, i)
			if _, err := pw.Write([]byte(rec)); err != nil {
				return
			}
		}
		pw.Close()
	}()
	r := do(t, call{method: "POST", path: v3("/topics/" + topic + "/records"), body: pr, chunked: true,
		user: "writer", pass: "writer-secret", header: map[string]string{"Content-Type": "application/json"}})
	rs := results(t, r)
	if len(rs) != n {
		t.Fatalf("%d results, want %d", len(rs), n)
	}
	at := map[string]int{} // partition/offset -> record
	for i, res := range rs {
		if res.ErrorCode != 200 || res.TopicName != topic {
			t.Fatalf("result %d: %+v", i, res)
		}
		at[fmt.Sprintf("%d/%d", res.PartitionID, res.Offset)] = i
	}
	msgs := readTopic(t, topic)
	if len(msgs) != n {
		t.Fatalf("%d records in Kafka, want %d", len(msgs), n)
	}
	for _, m := range msgs {
		i, ok := at[fmt.Sprintf("%d/%d", m.TopicPartition.Partition, m.TopicPartition.Offset)]
		if !ok || string(m.Key) != fmt.Sprintf("k%03d", i) || string(m.Value) != fmt.Sprintf("v%03d", i) {
			t.Errorf("record %s=%s at %d/%d does not match result %d", m.Key, m.Value, m.TopicPartition.Partition, m.TopicPartition.Offset, i)
		}
	}
}
