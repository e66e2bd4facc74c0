package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/e2e/stack"
)

// produceV2Offsets is the bridge's OffsetRecordSentList.
type produceV2Offsets struct {
	Offsets []struct {
		Partition *int32 `json:"partition"`
		Offset    *int64 `json:"offset"`
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	} `json:"offsets"`
}

func produceV2Post(t *testing.T, user, path, format, body string) reply {
	t.Helper()
	return as(t, user, "POST", path, "application/vnd.kafka."+format+".v2+json", body)
}

// produceV2Want is a record expected in Kafka.
type produceV2Want struct {
	key, value []byte // nil: none
	partition  int32
	headers    map[string]string
	tsMillis   int64 // 0: not checked
}

// produceV2Check reads the topic back and compares it with want, record by
// record, in the order of the answer's offsets.
func produceV2Check(t *testing.T, topic string, answer produceV2Offsets, want []produceV2Want) {
	t.Helper()
	if len(answer.Offsets) != len(want) {
		t.Fatalf("%d offsets answered, want %d", len(answer.Offsets), len(want))
	}
	byPos := map[string]*ck.Message{}
	msgs := readTopic(t, topic)
	for _, m := range msgs {
		byPos[fmt.Sprintf("%d/%d", m.TopicPartition.Partition, m.TopicPartition.Offset)] = m
	}
	if len(msgs) != len(want) {
		t.Errorf("%d records in Kafka, want %d", len(msgs), len(want))
	}
	for i, w := range want {
		o := answer.Offsets[i]
		if o.Partition == nil || o.Offset == nil {
			t.Errorf("record %d: answered %+v, want an offset", i, o)
			continue
		}
		m := byPos[fmt.Sprintf("%d/%d", *o.Partition, *o.Offset)]
		if m == nil {
			t.Errorf("record %d: nothing in Kafka at %d/%d", i, *o.Partition, *o.Offset)
			continue
		}
		if *o.Partition != w.partition || !bytes.Equal(m.Key, w.key) || !bytes.Equal(m.Value, w.value) ||
			(w.value == nil) != (m.Value == nil) || (w.key == nil) != (m.Key == nil) {
			t.Errorf("record %d: partition %d key %q value %q; want %d %q %q", i, *o.Partition, m.Key, m.Value, w.partition, w.key, w.value)
		}
		for name, v := range w.headers {
			if got, ok := header(m, name); !ok || got != v {
				t.Errorf("record %d: header %s = %q, want %q", i, name, got, v)
			}
		}
		if w.tsMillis != 0 && m.Timestamp.UnixMilli() != w.tsMillis {
			t.Errorf("record %d: timestamp %d, want %d", i, m.Timestamp.UnixMilli(), w.tsMillis)
		}
	}
}

// Each embedded format: keys, values, headers, tombstones, timestamps and
// explicit partitions, read back from Kafka byte for byte.
func TestV2ProduceFormats(t *testing.T) {
	tests := []struct {
		format, topic, path, body string
		want                      []produceV2Want
	}{
		{
			format: "json", topic: "produce-v2-json",
			body: `{"records":[
				{"key":{"id": 1},"value":{"n": [1, "two"]},"partition":1,"timestamp":1700000000123,"headers":[{"key":"trace","value":"dC0x"}]},
				{"key":"k2","value":null,"partition":0},
				{"value":[true, null]}]}`,
			want: []produceV2Want{
				{key: []byte(`{"id":1}`), value: []byte(`{"n":[1,"two"]}`), partition: 1, headers: map[string]string{"trace": "t-1"}, tsMillis: 1700000000123},
				{key: []byte(`"k2"`), partition: 0},
				{value: []byte(`[true,null]`), partition: -1},
			},
		},
		{
			format: "binary", topic: "produce-v2-binary",
			body: `{"records":[
				{"key":"AAH/","value":"3q2+7w==","partition":0,"headers":[{"key":"bin","value":"AP8="}]},
				{"key":"a2V5","value":null,"partition":1,"timestamp":1}]}`,
			want: []produceV2Want{
				{key: []byte{0, 1, 0xff}, value: []byte{0xde, 0xad, 0xbe, 0xef}, partition: 0, headers: map[string]string{"bin": "\x00\xff"}},
				{key: []byte("key"), partition: 1, tsMillis: 1},
			},
		},
		{
			format: "text", topic: "produce-v2-text", path: "/topics/produce-v2-text/partitions/1",
			body: `{"records":[{"key":"clé","value":"{not json} ✓"},{"value":""},{"key":"gone","value":null}]}`,
			want: []produceV2Want{
				{key: []byte("clé"), value: []byte("{not json} ✓"), partition: 1},
				{value: []byte{}, partition: 1},
				{key: []byte("gone"), partition: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			createTopics(t, stack.TopicSpec{Name: tt.topic, Partitions: 2})
			path := tt.path
			if path == "" {
				path = "/topics/" + tt.topic
			}
			var a produceV2Offsets
			decodeAs(t, produceV2Post(t, "writer", path, tt.format, tt.body), http.StatusOK, v2spec, "OffsetRecordSentList", &a)
			// A record sent without a partition may land on either: take the answer's.
			for i := range tt.want {
				if tt.want[i].partition == -1 && a.Offsets[i].Partition != nil {
					tt.want[i].partition = *a.Offsets[i].Partition
				}
			}
			produceV2Check(t, tt.topic, a, tt.want)
		})
	}
}

// ?async=true answers 204 once the records are queued; they then land.
func TestV2ProduceAsync(t *testing.T) {
	topic := "produce-v2-async"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	r := produceV2Post(t, "writer", "/topics/"+topic+"?async=true", "text", `{"records":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}`)
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("answered %d %s, want 204 and no body", r.Status, r.Body)
	}
	// No timing: the records are read to the topic's end, whatever it is
	// when they are there; poll until both have landed.
	var got []string
	eventually(t, func() bool {
		got = got[:0]
		for _, m := range readTopic(t, topic) {
			got = append(got, string(m.Key)+"="+string(m.Value))
		}
		return len(got) == 2
	})
	if strings.Join(got, ",") != "a=1,b=2" {
		t.Errorf("landed %v", got)
	}
}

// Every bad input gets the bridge's status in its envelope and writes nothing.
func TestV2ProduceBadInputWritesNothing(t *testing.T) {
	topic := "produce-v2-bad"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2})
	path := "/topics/" + topic
	tests := []struct {
		name, user, path, ct, body string
		status                     int
	}{
		{name: "v3 media type", ct: "application/json", body: `{"records":[{"value":1}]}`, status: 415},
		{name: "avro", ct: "application/vnd.kafka.avro.v2+json", body: `{"records":[{"value":1}]}`, status: 415},
		{name: "malformed JSON", body: `{"records":[{"value":1}`, status: 422},
		{name: "no records", body: `{"value":1}`, status: 422},
		{name: "empty records", body: `{"records":[]}`, status: 422},
		{name: "record without value", body: `{"records":[{"key":"k"}]}`, status: 422},
		{name: "unknown record field", body: `{"records":[{"value":1,"offset":3}]}`, status: 422},
		{name: "bad base64 value", ct: "application/vnd.kafka.binary.v2+json", body: `{"records":[{"value":"AA=="},{"value":"not base64"}]}`, status: 422},
		{name: "binary value not a string", ct: "application/vnd.kafka.binary.v2+json", body: `{"records":[{"value":{"a":1}}]}`, status: 422},
		{name: "text key not a string", ct: "application/vnd.kafka.text.v2+json", body: `{"records":[{"key":1,"value":"v"}]}`, status: 422},
		{name: "bad base64 header", body: `{"records":[{"value":1,"headers":[{"key":"h","value":"%%"}]}]}`, status: 422},
		{name: "partition a string", body: `{"records":[{"value":1,"partition":"0"}]}`, status: 422},
		{name: "timestamp a date", body: `{"records":[{"value":1,"timestamp":"2026-01-01T00:00:00Z"}]}`, status: 422},
		{name: "partition in body and path", path: path + "/partitions/0", body: `{"records":[{"value":1,"partition":0}]}`, status: 422},
		{name: "unknown partition in body", body: `{"records":[{"value":1},{"value":2,"partition":2}]}`, status: 404},
		{name: "unknown partition in path", path: path + "/partitions/2", body: `{"records":[{"value":1}]}`, status: 404},
		{name: "unknown topic", path: "/topics/produce-v2-nope", body: `{"records":[{"value":1}]}`, status: 404},
		{name: "bad async", path: path + "?async=maybe", body: `{"records":[{"value":1}]}`, status: 400},
		{name: "empty body", body: ``, status: 422},
		{name: "secret record", body: `{"records":[{"value":1},{"value":2,"headers":[{"key":"classification","value":"c2VjcmV0"}]}]}`, status: 403},
		{name: "secret record async", path: path + "?async=true", body: `{"records":[{"value":2,"headers":[{"key":"classification","value":"c2VjcmV0"}]}]}`, status: 403},
		{name: "reader may not write", user: "reader", body: `{"records":[{"value":1}]}`, status: 403},
		{name: "anonymous may not write", user: "-", body: `{"records":[{"value":1}]}`, status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, p, ct := "writer", path, "application/vnd.kafka.json.v2+json"
			switch tt.user {
			case "":
			case "-":
				user = ""
			default:
				user = tt.user
			}
			if tt.path != "" {
				p = tt.path
			}
			if tt.ct != "" {
				ct = tt.ct
			}
			r := as(t, user, "POST", p, ct, tt.body)
			wantError(t, r, tt.status, tt.status)
			if err := v2spec.Check("Error", r.Body); err != nil {
				t.Errorf("error body does not fit the spec: %v", err)
			}
		})
	}
	if n := recordCount(t, topic); n != 0 {
		t.Errorf("%d records written, want none", n)
	}
}
