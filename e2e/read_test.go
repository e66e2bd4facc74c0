package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// readsPage is a v3 stateless read's answer.
type readsPage struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Self string `json:"self"`
		Next string `json:"next"`
	} `json:"metadata"`
	ClusterID      string        `json:"cluster_id"`
	TopicName      string        `json:"topic_name"`
	PartitionID    int32         `json:"partition_id"`
	NextOffset     int64         `json:"next_offset"`
	LogStartOffset int64         `json:"log_start_offset"`
	HighWatermark  int64         `json:"high_watermark"`
	Data           []readsRecord `json:"data"`
}

type readsRecord struct {
	PartitionID int32      `json:"partition_id"`
	Offset      int64      `json:"offset"`
	Timestamp   *string    `json:"timestamp"`
	Key         *readsData `json:"key"`
	Value       *readsData `json:"value"`
	Headers     []struct {
		Name  string  `json:"name"`
		Value *string `json:"value"`
	} `json:"headers"`
}

type readsData struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// readsPath is the v3 read of partition 0 of topic with a query.
func readsPath(topic, query string) string {
	return v3("/topics/" + topic + "/partitions/0/records?" + query)
}

// readsGet reads a v3 page as the writer key and decodes it.
func readsGet(t *testing.T, topic, query string) readsPage {
	t.Helper()
	var p readsPage
	decodeAs(t, as(t, "writer", "GET", readsPath(topic, query), "", ""), http.StatusOK, nil, "", &p)
	if p.Kind != "KafkaRecordList" || p.TopicName != topic || p.ClusterID != st.ClusterID || p.PartitionID != 0 {
		t.Errorf("page header: %+v", p)
	}
	return p
}

// readsProduce writes records (concatenated v3 produce objects) and returns
// their delivery reports.
func readsProduce(t *testing.T, topic string, records ...string) []produceResult {
	t.Helper()
	return results(t, as(t, "writer", "POST", v3("/topics/"+topic+"/records"), "application/json", strings.Join(records, "\n")))
}

func readsB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// readsDataString decodes a key or value in the binary format; "<nil>" for null.
func readsDataString(t *testing.T, d *readsData) string {
	t.Helper()
	if d == nil {
		return "<nil>"
	}
	var s string
	if err := json.Unmarshal(d.Data, &s); err != nil || d.Type != "BINARY" {
		t.Fatalf("%s data %s is not a base64 string", d.Type, d.Data)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadsPagesFollowNextOffset(t *testing.T) {
	topic := "reads-pages"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	type want struct{ key, value, header string }
	var sent []want
	var records []string
	for i := range 7 {
		w := want{key: fmt.Sprintf("key-%d", i), value: fmt.Sprintf(`{"n":%d}`, i), header: fmt.Sprintf("h%d", i)}
		key := fmt.Sprintf(`{"type":"BINARY","data":%q}`, readsB64(w.key))
		value := fmt.Sprintf(`{"type":"JSON","data":{"n":%d}}`, i)
		switch i {
		case 2: // a binary value that is not UTF-8, and a string key
			w.value = "\xff\x00\xfe"
			value = fmt.Sprintf(`{"type":"BINARY","data":%q}`, readsB64(w.value))
			key = fmt.Sprintf(`{"type":"STRING","data":%q}`, w.key)
		case 4: // no key
			w.key, key = "<nil>", "null"
		case 5: // a tombstone
			w.value, value = "<nil>", "null"
		}
		sent = append(sent, w)
		records = append(records, fmt.Sprintf(`{"partition_id":0,"key":%s,"value":%s,"headers":[{"name":"h","value":%q}]}`, key, value, readsB64(w.header)))
	}
	delivered := readsProduce(t, topic, records...)

	var got []readsRecord
	offset := int64(0)
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("no end after %d pages", pages)
		}
		p := readsGet(t, topic, "offset="+strconv.FormatInt(offset, 10)+"&max_records=3")
		if !strings.HasSuffix(p.Metadata.Next, "/topics/"+topic+"/partitions/0/records?max_records=3&offset="+strconv.FormatInt(p.NextOffset, 10)) {
			t.Errorf("next link %s, next_offset %d", p.Metadata.Next, p.NextOffset)
		}
		if p.HighWatermark != 7 || p.LogStartOffset != 0 || len(p.Data) > 3 {
			t.Errorf("page at %d: high watermark %d, log start %d, %d records", offset, p.HighWatermark, p.LogStartOffset, len(p.Data))
		}
		if len(p.Data) == 0 {
			if p.NextOffset != offset {
				t.Errorf("an empty page moved next_offset from %d to %d", offset, p.NextOffset)
			}
			break
		}
		got = append(got, p.Data...)
		offset = p.NextOffset
	}
	if len(got) != len(sent) {
		t.Fatalf("read %d records, sent %d", len(got), len(sent))
	}
	for i, r := range got {
		w, d := sent[i], delivered[i]
		if r.Offset != d.Offset || r.PartitionID != 0 || r.Timestamp == nil || d.Timestamp == nil {
			t.Fatalf("record %d: offset %d timestamp %v, delivered at %d", i, r.Offset, r.Timestamp, d.Offset)
		}
		rt, err1 := time.Parse(time.RFC3339Nano, *r.Timestamp)
		dt, err2 := time.Parse(time.RFC3339Nano, *d.Timestamp)
		if err1 != nil || err2 != nil || !rt.Equal(dt) || !strings.HasSuffix(*r.Timestamp, "Z") {
			t.Errorf("record %d: timestamp %s, delivered with %s", i, *r.Timestamp, *d.Timestamp)
		}
		if k := readsDataString(t, r.Key); k != w.key {
			t.Errorf("record %d: key %q, want %q", i, k, w.key)
		}
		if v := readsDataString(t, r.Value); v != w.value {
			t.Errorf("record %d: value %q, want %q", i, v, w.value)
		}
		// The client's header, then topicgate's decision id (policy_records_test.go).
		if len(r.Headers) != 2 || r.Headers[0].Name != "h" || r.Headers[0].Value == nil || *r.Headers[0].Value != readsB64(w.header) ||
			r.Headers[1].Name != "topicgate-decision-id" {
			t.Errorf("record %d: headers %+v", i, r.Headers)
		}
	}
}

func TestReadsFormats(t *testing.T) {
	topic := "reads-formats"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	readsProduce(t, topic,
		`{"key":{"type":"JSON","data":"k0"},"value":{"type":"JSON","data":{"a":[1,2]}}}`,
		`{"key":{"type":"JSON","data":7},"value":{"type":"STRING","data":"\"quoted\""}}`)

	p := readsGet(t, topic, "format=json")
	if len(p.Data) != 2 {
		t.Fatalf("%d records", len(p.Data))
	}
	for i, w := range []struct{ key, value string }{{`"k0"`, `{"a":[1,2]}`}, {`7`, `"quoted"`}} {
		r := p.Data[i]
		if r.Key.Type != "JSON" || string(r.Key.Data) != w.key || r.Value.Type != "JSON" || string(r.Value.Data) != w.value {
			t.Errorf("record %d: key %+v value %+v", i, r.Key, r.Value)
		}
	}
	p = readsGet(t, topic, "format=string&offset=1")
	if len(p.Data) != 1 || p.Data[0].Key.Type != "STRING" || string(p.Data[0].Key.Data) != `"7"` || string(p.Data[0].Value.Data) != `"\"quoted\""` {
		t.Errorf("string format: %+v", p.Data)
	}

	// The Strimzi style: the format from Accept, the records as the bridge's ConsumerRecordList.
	for _, f := range []struct{ accept, key string }{
		{"", `"` + readsB64(`"k0"`) + `"`},
		{"application/vnd.kafka.binary.v2+json", `"` + readsB64(`"k0"`) + `"`},
		{"application/vnd.kafka.json.v2+json", `"k0"`},
		{"application/vnd.kafka.text.v2+json", `"\"k0\""`},
	} {
		t.Run("v2 "+f.accept, func(t *testing.T) {
			r := do(t, call{method: "GET", path: "/topics/" + topic + "/partitions/0/records?max_records=1", user: "writer", pass: "writer-secret",
				header: map[string]string{"Accept": f.accept}})
			var recs []struct {
				Topic     string          `json:"topic"`
				Key       json.RawMessage `json:"key"`
				Partition int32           `json:"partition"`
				Offset    int64           `json:"offset"`
			}
			decodeAs(t, r, http.StatusOK, v2spec, "ConsumerRecordList", &recs)
			if len(recs) != 1 || recs[0].Topic != topic || string(recs[0].Key) != f.key || recs[0].Offset != 0 {
				t.Errorf("records %s", r.Body)
			}
			if r.Header.Get("X-Topicgate-Next-Offset") != "1" {
				t.Errorf("next offset header %q", r.Header.Get("X-Topicgate-Next-Offset"))
			}
			want := f.accept
			if want == "" {
				want = "application/vnd.kafka.binary.v2+json"
			}
			if r.Header.Get("Content-Type") != want {
				t.Errorf("content-type %q", r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestReadsFromATimestamp(t *testing.T) {
	topic := "reads-time"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var records []string
	for i := range 3 {
		records = append(records, fmt.Sprintf(`{"timestamp":%q,"value":{"type":"STRING","data":"v%d"}}`, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i))
	}
	readsProduce(t, topic, records...)

	for _, q := range []string{"timestamp=" + t0.Add(time.Second).Format(time.RFC3339), "timestamp=" + strconv.FormatInt(t0.Add(500*time.Millisecond).UnixMilli(), 10)} {
		p := readsGet(t, topic, q+"&format=string")
		if len(p.Data) != 2 || p.Data[0].Offset != 1 || string(p.Data[0].Value.Data) != `"v1"` || *p.Data[0].Timestamp != "2024-05-01T12:00:01.000Z" {
			t.Errorf("%s: %+v", q, p.Data)
		}
		if strings.Contains(p.Metadata.Next, "timestamp") || !strings.Contains(p.Metadata.Next, "offset=3") {
			t.Errorf("%s: next link %s", q, p.Metadata.Next)
		}
	}
	// After the last record: nothing yet, and the next page starts at the end.
	p := readsGet(t, topic, "timestamp="+strconv.FormatInt(t0.Add(time.Hour).UnixMilli(), 10))
	if len(p.Data) != 0 || p.NextOffset != 3 {
		t.Errorf("after the last record: %d records, next %d", len(p.Data), p.NextOffset)
	}
}

func TestReadsLongPoll(t *testing.T) {
	topic := "reads-poll"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	readsProduce(t, topic, `{"value":{"type":"STRING","data":"first"}}`)

	// At the end with a short timeout: an empty page that stays at the end.
	for _, q := range []string{"offset=1&timeout_ms=200", "offset=latest&timeout_ms=0"} {
		p := readsGet(t, topic, q)
		if len(p.Data) != 0 || p.NextOffset != 1 || p.HighWatermark != 1 {
			t.Errorf("%s: %d records, next %d, high watermark %d", q, len(p.Data), p.NextOffset, p.HighWatermark)
		}
	}

	// A record produced while a read waits at the end is its answer.
	done := make(chan readsReply, 1)
	go func() { done <- readsFetch(readsPath(topic, "offset=1&timeout_ms=10000&format=string")) }()
	time.Sleep(500 * time.Millisecond) // let the read start waiting; the assertions do not depend on it
	readsProduce(t, topic, `{"key":{"type":"STRING","data":"k"},"value":{"type":"STRING","data":"second"}}`)
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	var p readsPage
	decodeAs(t, got.reply, http.StatusOK, nil, "", &p)
	if len(p.Data) != 1 || p.Data[0].Offset != 1 || string(p.Data[0].Value.Data) != `"second"` || string(p.Data[0].Key.Data) != `"k"` || p.NextOffset != 2 {
		t.Errorf("long poll answered %+v, next %d", p.Data, p.NextOffset)
	}
}

func TestReadsRefused(t *testing.T) {
	topic := "reads-refused"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	readsProduce(t, topic, `{"key":{"type":"BINARY","data":"/w=="},"value":{"type":"BINARY","data":"AAE="}}`)
	v2 := "/topics/" + topic + "/partitions/0/records"
	tests := []struct {
		name, user, path, accept string
		status, code             int
		message                  string // a part of it
	}{
		{"negative offset", "writer", readsPath(topic, "offset=-3"), "", 400, 400, `got "-3"`},
		{"offset and timestamp", "writer", readsPath(topic, "offset=0&timestamp=0"), "", 400, 400, "not both"},
		{"offset above the log", "writer", readsPath(topic, "offset=5"), "", 416, 41601, "Offset 5 is out of range for " + topic + "-0: valid offsets are 0 to 1"},
		{"unknown partition", "writer", v3("/topics/" + topic + "/partitions/4/records"), "", 404, 40403, topic + " has no partition 4"},
		{"unknown topic", "writer", v3("/topics/reads-nope/partitions/0/records"), "", 404, 40403, "does not host"},
		{"json asked of binary data", "writer", readsPath(topic, "format=json"), "", 406, 406, "is not valid json"},
		{"max_records zero", "writer", readsPath(topic, "max_records=0"), "", 400, 400, "max_records"},
		{"max_records not a number", "writer", readsPath(topic, "max_records=many"), "", 400, 400, `got "many"`},
		{"reader may only describe", "reader", readsPath(topic, ""), "", 403, 40301, "Request is not authorized"},
		{"v2 bad Accept", "writer", v2, "application/xml", 406, 406, "Not Acceptable"},
		{"v2 json asked of binary data", "writer", v2, "application/vnd.kafka.json.v2+json", 406, 406, "is not valid json"},
		{"v2 offset above the log", "writer", v2 + "?offset=9", "", 416, 416, "valid offsets are 0 to 1"},
		{"v2 reader", "reader", v2, "", 403, 403, "Request is not authorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := call{method: "GET", path: tt.path, user: tt.user, pass: tt.user + "-secret", header: map[string]string{"Accept": tt.accept}}
			e := wantError(t, do(t, c), tt.status, tt.code)
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", e.Message, tt.message)
			}
		})
	}
}

type readsReply struct {
	reply
	err error
}

// readsFetch is a GET as the writer key that may run in its own goroutine
// (it reports errors instead of failing the test).
func readsFetch(path string) readsReply {
	req, err := http.NewRequest("GET", st.URL+path, nil)
	if err != nil {
		return readsReply{err: err}
	}
	req.SetBasicAuth("writer", "writer-secret")
	resp, err := client.Do(req)
	if err != nil {
		return readsReply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	covered("", "GET", path, resp.StatusCode)
	return readsReply{reply: reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, err: err}
}
