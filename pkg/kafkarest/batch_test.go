package kafkarest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

func TestParseBatch_RefusedAsAWhole(t *testing.T) {
	long := strings.Repeat("x", 81)
	tests := []struct {
		name    string
		body    string
		status  int
		code    int
		message string
	}{
		{name: "empty body", body: " ", status: 422, code: 422, message: "Request body is empty"},
		{name: "not JSON", body: `{"entries":[`, status: 400, code: 400, message: "Bad Request: the body is not valid JSON"},
		{name: "two objects", body: `{"entries":[]} {}`, status: 400, code: 400, message: "Bad Request: the body must be one JSON object, with nothing after it"},
		{name: "no entries", body: `{}`, status: 422, code: 42208, message: "an entries array"},
		{name: "entries null", body: `{"entries":null}`, status: 422, code: 42208, message: "an entries array"},
		{name: "entries not an array", body: `{"entries":{}}`, status: 400, code: 400, message: "Bad Request: field entries must be an array, got an object"},
		{name: "empty batch", body: `{"entries":[]}`, status: 422, code: 42208, message: "no entries"},
		{name: "too many", body: `{"entries":[{"id":"1"},{"id":"2"},{"id":"3"},{"id":"4"}]}`, status: 422, code: 42208, message: "Produce batch error: a request may hold at most 3 records, got 4"},
		{name: "entry not an object", body: `{"entries":[{"id":"1"},"x"]}`, status: 422, code: 42208, message: "entries[1] must be a JSON object"},
		{name: "no id", body: `{"entries":[{"value":null}]}`, status: 422, code: 42208, message: "entries[0] has no id"},
		{name: "id a number", body: `{"entries":[{"id":1}]}`, status: 422, code: 42208, message: "entries[0].id must be a string"},
		{name: "id empty", body: `{"entries":[{"id":""}]}`, status: 422, code: 42208, message: "1 to 80 characters long, got 0"},
		{name: "id too long", body: `{"entries":[{"id":"` + long + `"}]}`, status: 422, code: 42208, message: "got 81"},
		{name: "duplicate ids", body: `{"entries":[{"id":"a"},{"id":"b"},{"id":"a"}]}`, status: 422, code: 42208, message: `entries[0] and entries[2] are both "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBatch([]byte(tt.body), 3)
			e := apierr.From(err)
			if e.Status != tt.status || e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", e.Status, e.Code, e.Message, tt.status, tt.code, tt.message)
			}
		})
	}
}

func TestParseBatch_EntryErrorsStayWithTheirEntry(t *testing.T) {
	body := `{"entries":[
		{"id":"ok","key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"a":1}}},
		{"id":"bad-base64","value":{"type":"BINARY","data":"%%"}},
		{"id":"bad-type","partition_id":"zero"},
		{"id":"avro","value":{"type":"AVRO","data":{}}},
		{"id":"80-chars-` + strings.Repeat("é", 71) + `","value":null}
	]}`
	entries, err := ParseBatch([]byte(body), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		msg := ""
		if e.Err != nil {
			msg = e.Err.Message
		}
		got = append(got, e.ID+" => "+msg)
	}
	want := []string{
		"ok => ",
		`bad-base64 => Bad Request: entry "bad-base64": value.data is not a base64 string`,
		`bad-type => Bad Request: entry "bad-type": field partition_id must be an integer, got a string`,
		`avro => Bad Request: entry "avro": value.type AVRO needs Schema Registry; topicgate serves BINARY, JSON and STRING data`,
		"80-chars-" + strings.Repeat("é", 71) + " => ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries mismatch (-want +got):\n%s", diff)
	}
	if string(entries[0].Record.Key.Bytes) != "k" || string(entries[0].Record.Value.Bytes) != `{"a":1}` || entries[4].Record.Index != 4 {
		t.Errorf("decoded records: %+v", entries)
	}
}

func TestProduceBatchResults(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	key := &Data{Type: "STRING", Bytes: []byte("k")}
	results := []BatchResult{
		{ID: "a", ProduceResult: ProduceResult{ClusterID: "lkc-1", Topic: "t", Record: &Record{Key: key}, Partition: 1, Offset: 7, Timestamp: ts}},
		{ID: "b", ProduceResult: ProduceResult{Record: &Record{}, Err: apierr.BadRequest("nope")}},
	}
	b, err := ProduceBatchResults(results)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"successes":[{"id":"a","cluster_id":"lkc-1","topic_name":"t","partition_id":1,"offset":7,"timestamp":"2024-05-01T12:00:00Z","key":{"type":"STRING","size":1}}],` +
		`"failures":[{"id":"b","error_code":400,"message":"Bad Request: nope"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	empty, _ := ProduceBatchResults(nil)
	var m map[string][]any
	if err := json.Unmarshal(empty, &m); err != nil || m["successes"] == nil || m["failures"] == nil {
		t.Errorf("empty results render %s; want both arrays present", empty)
	}
}
