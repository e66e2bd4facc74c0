package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/topicgate/topicgate/e2e/stack"
)

// produceBatchAnswer is the 207 answer of records:batch.
type produceBatchAnswer struct {
	Successes []struct {
		ID          string `json:"id"`
		ClusterID   string `json:"cluster_id"`
		TopicName   string `json:"topic_name"`
		PartitionID int32  `json:"partition_id"`
		Offset      int64  `json:"offset"`
		Timestamp   string `json:"timestamp"`
		Key         *struct {
			Type string `json:"type"`
			Size int    `json:"size"`
		} `json:"key"`
	} `json:"successes"`
	Failures []struct {
		ID        string `json:"id"`
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	} `json:"failures"`
}

func produceBatchPost(t *testing.T, user, topic, body string) reply {
	t.Helper()
	return as(t, user, "POST", v3("/topics/"+topic+"/records:batch"), "application/json", body)
}

// Good entries land, byte for byte, where they were sent; bad entries are
// failures with their own code and are not written; the answer fits the spec.
func TestProduceBatchGoodAndBadEntries(t *testing.T) {
	topic := "produce-batch"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2})
	body := `{"entries":[
		{"id":"s","partition_id":1,"key":{"type":"STRING","data":"k-s"},"value":{"type":"STRING","data":"hello"},
		 "headers":[{"name":"h","value":"` + base64.StdEncoding.EncodeToString([]byte{0, 0xff}) + `"}],"timestamp":"2026-01-02T03:04:05.678Z"},
		{"id":"bad-b64","value":{"type":"BINARY","data":"***"}},
		{"id":"b","partition_id":0,"key":{"type":"STRING","data":"k-b"},"value":{"type":"BINARY","data":"AAECAw=="}},
		{"id":"no-partition","partition_id":9,"value":{"type":"STRING","data":"x"}},
		{"id":"avro","value":{"type":"AVRO","data":{}}},
		{"id":"j","partition_id":0,"key":{"type":"STRING","data":"k-j"},"value":{"type":"JSON","data":{"a": [1, 2]}}},
		{"id":"tomb","partition_id":1,"key":{"type":"STRING","data":"k-t"}}
	]}`
	r := produceBatchPost(t, "writer", topic, body)
	var a produceBatchAnswer
	decodeAs(t, r, http.StatusMultiStatus, v3spec, "ProduceBatchResponse", &a)

	var ok []string
	for _, s := range a.Successes {
		ok = append(ok, s.ID)
		if s.ClusterID != st.ClusterID || s.TopicName != topic || s.Timestamp == "" {
			t.Errorf("success %+v", s)
		}
	}
	if got := strings.Join(ok, ","); got != "s,b,j,tomb" {
		t.Errorf("successes %s, want s,b,j,tomb", got)
	}
	var failed []string
	for _, f := range a.Failures {
		failed = append(failed, fmt.Sprintf("%s=%d", f.ID, f.ErrorCode))
		if f.Message == "" {
			t.Errorf("failure %s has no message", f.ID)
		}
	}
	if got := strings.Join(failed, ","); got != "bad-b64=400,no-partition=40403,avro=400" {
		t.Errorf("failures %s", got)
	}

	want := map[string]struct {
		partition int32
		value     []byte
	}{
		"k-s": {1, []byte("hello")},
		"k-b": {0, []byte{0, 1, 2, 3}},
		"k-j": {0, []byte(`{"a":[1,2]}`)},
		"k-t": {1, nil},
	}
	msgs := readTopic(t, topic)
	if len(msgs) != len(want) {
		t.Fatalf("%d records in Kafka, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		w, found := want[string(m.Key)]
		if !found {
			t.Errorf("unexpected record key %q", m.Key)
			continue
		}
		if m.TopicPartition.Partition != w.partition || string(m.Value) != string(w.value) || (w.value == nil) != (m.Value == nil) {
			t.Errorf("record %s: partition %d value %q; want %d %q", m.Key, m.TopicPartition.Partition, m.Value, w.partition, w.value)
		}
		answered := false
		for _, s := range a.Successes {
			answered = answered || s.Key != nil && s.Key.Size == len(m.Key) && s.PartitionID == m.TopicPartition.Partition && s.Offset == int64(m.TopicPartition.Offset)
		}
		if !answered {
			t.Errorf("record %s at %d/%d is in no success", m.Key, m.TopicPartition.Partition, m.TopicPartition.Offset)
		}
		if string(m.Key) == "k-s" {
			if h, _ := header(m, "h"); h != string([]byte{0, 0xff}) {
				t.Errorf("header h = %q", h)
			}
			if m.Timestamp.UnixMilli() != 1767323045678 {
				t.Errorf("timestamp %v", m.Timestamp)
			}
		}
	}
}

// A batch refused as a whole writes nothing.
func TestProduceBatchRefusedWritesNothing(t *testing.T) {
	topic := "produce-batch-refused"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	ok := func(id string) string { return `{"id":"` + id + `","value":{"type":"STRING","data":"v"}}` }
	var many []string
	for i := range 1001 {
		many = append(many, ok(fmt.Sprint(i)))
	}
	tests := []struct {
		name         string
		user, ct     string
		body         string
		status, code int
	}{
		{name: "duplicate ids", body: `{"entries":[` + ok("a") + `,` + ok("b") + `,` + ok("a") + `]}`, status: 422, code: 42208},
		{name: "more entries than limits.max_records", body: `{"entries":[` + strings.Join(many, ",") + `]}`, status: 422, code: 42208},
		{name: "empty batch", body: `{"entries":[]}`, status: 422, code: 42208},
		{name: "no entries", body: `{"records":[]}`, status: 422, code: 42208},
		{name: "id missing", body: `{"entries":[` + ok("a") + `,{"value":null}]}`, status: 422, code: 42208},
		{name: "id too long", body: `{"entries":[` + ok(strings.Repeat("i", 81)) + `]}`, status: 422, code: 42208},
		{name: "malformed JSON", body: `{"entries":[` + ok("a"), status: 400, code: 400},
		{name: "empty body", body: ``, status: 422, code: 422},
		{name: "wrong content type", ct: "text/plain", body: `{"entries":[` + ok("a") + `]}`, status: 415, code: 415},
		{name: "records phase denies one secret entry", body: `{"entries":[` + ok("a") +
			`,{"id":"s","value":{"type":"STRING","data":"v"},"headers":[{"name":"classification","value":"c2VjcmV0"}]}]}`, status: 403, code: 40301},
		{name: "reader may not write", user: "reader", body: `{"entries":[` + ok("a") + `]}`, status: 403, code: 40301},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, ct := "writer", "application/json"
			if tt.user != "" {
				user = tt.user
			}
			if tt.ct != "" {
				ct = tt.ct
			}
			r := as(t, user, "POST", v3("/topics/"+topic+"/records:batch"), ct, tt.body)
			wantError(t, r, tt.status, tt.code)
			if err := v3spec.Check("Error", r.Body); err != nil {
				t.Errorf("error body does not fit the spec: %v", err)
			}
		})
	}
	if n := recordCount(t, topic); n != 0 {
		t.Errorf("%d records written, want none", n)
	}
	wantError(t, produceBatchPost(t, "writer", "produce-batch-nope", `{"entries":[`+ok("a")+`]}`), 404, 40403)
}
