package kafkarest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRead_Valid(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)
	tests := []struct {
		name   string
		api    string
		query  string
		accept string
		want   ReadQuery
	}{
		{name: "nothing: earliest, binary", api: "v3", want: ReadQuery{Offset: ReadEarliest, Format: FormatBinary}},
		{name: "an offset", api: "v3", query: "offset=42", want: ReadQuery{Offset: 42, Format: FormatBinary}},
		{name: "offset 0", api: "v3", query: "offset=0", want: ReadQuery{Offset: 0, Format: FormatBinary}},
		{name: "latest", api: "v3", query: "offset=latest", want: ReadQuery{Offset: ReadLatest, Format: FormatBinary}},
		{name: "earliest", api: "v3", query: "offset=earliest", want: ReadQuery{Offset: ReadEarliest, Format: FormatBinary}},
		{name: "timestamp in ms", api: "v3", query: "timestamp=1714564800123", want: ReadQuery{Offset: ReadEarliest, Timestamp: at, Format: FormatBinary}},
		{name: "timestamp RFC 3339", api: "v3", query: "timestamp=2024-05-01T12:00:00.123Z", want: ReadQuery{Offset: ReadEarliest, Timestamp: at, Format: FormatBinary}},
		{name: "limits", api: "v3", query: "max_records=5&max_bytes=1024&timeout_ms=1500",
			want: ReadQuery{Offset: ReadEarliest, MaxRecords: 5, MaxBytes: 1024, Timeout: 1500 * time.Millisecond, Format: FormatBinary}},
		{name: "a huge timeout is kept finite", api: "v3", query: "timeout_ms=9223372036854775807", want: ReadQuery{Offset: ReadEarliest, Timeout: maxTimeout, Format: FormatBinary}},
		{name: "format json", api: "v3", query: "format=json", want: ReadQuery{Offset: ReadEarliest, Format: FormatJSON}},
		{name: "format STRING", api: "v3", query: "format=STRING", want: ReadQuery{Offset: ReadEarliest, Format: FormatText}},
		{name: "unknown parameters are left to the policy", api: "v3", query: "color=red", want: ReadQuery{Offset: ReadEarliest, Format: FormatBinary}},
		{name: "v2 timeout", api: "v2", query: "timeout=300", want: ReadQuery{Offset: ReadEarliest, Timeout: 300 * time.Millisecond, Format: FormatBinary}},
		{name: "v2 ignores timeout_ms and format", api: "v2", query: "timeout_ms=-1&format=avro", accept: "application/vnd.kafka.json.v2+json", want: ReadQuery{Offset: ReadEarliest, Format: FormatJSON}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseRead(tt.api, q, tt.accept)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Timestamp.Equal(tt.want.Timestamp) {
				t.Errorf("timestamp %v, want %v", got.Timestamp, tt.want.Timestamp)
			}
			got.Timestamp, tt.want.Timestamp = time.Time{}, time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRead_Invalid(t *testing.T) {
	tests := []struct {
		api, query, accept string
		status             int
		message            string // a part of it
	}{
		{"v3", "offset=1&timestamp=1", "", 400, "give offset or timestamp, not both"},
		{"v3", "offset=-1", "", 400, `offset must be an offset (0 or more), earliest or latest, got "-1"`},
		{"v3", "offset=", "", 400, `got ""`},
		{"v3", "offset=1.5", "", 400, `got "1.5"`},
		{"v3", "timestamp=-5", "", 400, `timestamp must be milliseconds since the epoch or an RFC 3339 date-time, not before 1970, got "-5"`},
		{"v3", "timestamp=1969-12-31T23:59:59Z", "", 400, "not before 1970"},
		{"v3", "timestamp=today", "", 400, `got "today"`},
		{"v3", "max_records=0", "", 400, `max_records must be a whole number, 1 or more, got "0"`},
		{"v3", "max_records=1e3", "", 400, `got "1e3"`},
		{"v3", "max_bytes=0", "", 400, "max_bytes must be a whole number"},
		{"v3", "timeout_ms=soon", "", 400, `timeout_ms must be a whole number, 0 or more, got "soon"`},
		{"v3", "format=avro", "", 400, `format must be binary, json or string, got "avro"`},
		{"v3", "max_records=1&max_records=2", "", 400, "max_records is given 2 times"},
		{"v2", "timeout=-1", "", 400, `timeout must be a whole number, 0 or more, got "-1"`},
		{"v2", "", "application/json", 406, "not application/json"},
		{"v2", "", "text/html", 406, "HTTP 406 Not Acceptable"},
	}
	for _, tt := range tests {
		t.Run(tt.api+" "+tt.query+" "+tt.accept, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseRead(tt.api, q, tt.accept)
			if err == nil {
				t.Fatal("accepted")
			}
			e := asAPIError(t, err)
			if e.Status != tt.status || e.Code != tt.status || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got %d/%d %q, want %d containing %q", e.Status, e.Code, e.Message, tt.status, tt.message)
			}
		})
	}
}

func TestV2AcceptFormat(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                     FormatBinary,
		"*/*":                                  FormatBinary,
		"application/*":                        FormatBinary,
		"application/vnd.kafka.binary.v2+json": FormatBinary,
		"application/vnd.kafka.json.v2+json":   FormatJSON,
		"application/vnd.kafka.text.v2+json":   FormatText,
		"text/plain, application/vnd.kafka.json.v2+json; q=0.5": FormatJSON,
	} {
		got, err := V2AcceptFormat(accept)
		if err != nil || got != want {
			t.Errorf("V2AcceptFormat(%q) = %q, %v; want %q", accept, got, err, want)
		}
	}
}

// readsFixture is a page with every kind of key and value.
func readsFixture() *RecordPage {
	at := time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)
	return &RecordPage{
		ClusterID: "lkc-1", Topic: "orders", Partition: 2, NextOffset: 8, LogStartOffset: 1, HighWatermark: 10,
		Records: []ConsumedRecord{
			{Topic: "orders", Partition: 2, Offset: 5, Key: []byte(`"k"`), Value: []byte(`{"n":1}`), Timestamp: at,
				Headers: []Header{{Name: "h", Value: []byte("v")}, {Name: "empty"}}},
			{Topic: "orders", Partition: 2, Offset: 6, Value: []byte(`[true]`), Timestamp: at.In(time.FixedZone("CEST", 7200))},
			{Topic: "orders", Partition: 2, Offset: 7, Key: []byte(`1`)}, // no timestamp, a tombstone
		},
	}
}

func TestRecordList(t *testing.T) {
	links := NewLinks("https", "gw", "/v3")
	q := url.Values{"timestamp": {"5"}, "max_records": {"3"}}
	base := "https://gw/v3/clusters/lkc-1/topics/orders/partitions/2/records"
	meta := `{"kind":"KafkaRecordList","metadata":{"self":"` + base + `?max_records=3\u0026timestamp=5","next":"` + base + `?max_records=3\u0026offset=8"},` +
		`"cluster_id":"lkc-1","topic_name":"orders","partition_id":2,"next_offset":8,"log_start_offset":1,"high_watermark":10,"data":[`
	tests := []struct {
		format string
		data   string
	}{
		{FormatBinary, `{"partition_id":2,"offset":5,"timestamp":"2024-05-01T12:00:00.123Z","key":{"type":"BINARY","data":"Imsi"},"value":{"type":"BINARY","data":"eyJuIjoxfQ=="},"headers":[{"name":"h","value":"dg=="},{"name":"empty","value":null}]},` +
			`{"partition_id":2,"offset":6,"timestamp":"2024-05-01T12:00:00.123Z","key":null,"value":{"type":"BINARY","data":"W3RydWVd"},"headers":[]},` +
			`{"partition_id":2,"offset":7,"timestamp":null,"key":{"type":"BINARY","data":"MQ=="},"value":null,"headers":[]}`},
		{FormatJSON, `{"partition_id":2,"offset":5,"timestamp":"2024-05-01T12:00:00.123Z","key":{"type":"JSON","data":"k"},"value":{"type":"JSON","data":{"n":1}},"headers":[{"name":"h","value":"dg=="},{"name":"empty","value":null}]},` +
			`{"partition_id":2,"offset":6,"timestamp":"2024-05-01T12:00:00.123Z","key":null,"value":{"type":"JSON","data":[true]},"headers":[]},` +
			`{"partition_id":2,"offset":7,"timestamp":null,"key":{"type":"JSON","data":1},"value":null,"headers":[]}`},
		{FormatText, `{"partition_id":2,"offset":5,"timestamp":"2024-05-01T12:00:00.123Z","key":{"type":"STRING","data":"\"k\""},"value":{"type":"STRING","data":"{\"n\":1}"},"headers":[{"name":"h","value":"dg=="},{"name":"empty","value":null}]},` +
			`{"partition_id":2,"offset":6,"timestamp":"2024-05-01T12:00:00.123Z","key":null,"value":{"type":"STRING","data":"[true]"},"headers":[]},` +
			`{"partition_id":2,"offset":7,"timestamp":null,"key":{"type":"STRING","data":"1"},"value":null,"headers":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got, err := links.RecordList(readsFixture(), tt.format, q)
			if err != nil {
				t.Fatal(err)
			}
			if want := meta + tt.data + "]}"; string(got) != want {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestRecordList_NotInTheFormat(t *testing.T) {
	p := readsFixture()
	p.Records[1].Value = []byte{0xff, 0xfe}
	for _, f := range []string{FormatJSON, FormatText} {
		_, err := NewLinks("http", "gw", "/v3").RecordList(p, f, nil)
		e := asAPIError(t, err)
		if e.Status != 406 || !strings.Contains(e.Message, "The value of the record at offset 6 of orders-2 is not valid "+f) {
			t.Errorf("%s: %d %q", f, e.Status, e.Message)
		}
	}
}

func TestRecordList_EmptyPage(t *testing.T) {
	got, err := NewLinks("http", "gw", "/v3").RecordList(&RecordPage{ClusterID: "c", Topic: "t", NextOffset: 3, HighWatermark: 3}, FormatBinary, nil)
	if err != nil || !bytes.Contains(got, []byte(`"data":[]`)) || !bytes.Contains(got, []byte(`"next":"http://gw/v3/clusters/c/topics/t/partitions/0/records?offset=3"`)) {
		t.Errorf("%s, %v", got, err)
	}
}

// V2Records answers what the Strimzi bridge's ConsumerRecordList describes,
// in every embedded format.
func TestV2Records_MatchesStrimziSpec(t *testing.T) {
	spec := loadStrimziSpec(t)
	recs := readsFixture().Records
	recs[2].Key = []byte(`{"id":1}`) // the spec's keys are objects, arrays or strings, not numbers
	for _, f := range []string{FormatBinary, FormatJSON, FormatText} {
		body, err := V2Records(f, recs)
		if err != nil {
			t.Fatal(err)
		}
		if err := spec.Check("ConsumerRecordList", body); err != nil {
			t.Errorf("%s: %v\n%s", f, err, body)
		}
		var out []struct{ Timestamp int64 }
		if err := json.Unmarshal(body, &out); err != nil || len(out) != 3 || out[2].Timestamp != -1 {
			t.Errorf("%s: a record without timestamp: %s", f, body)
		}
	}
}

// BenchmarkRecordList renders a page of 100 records of 1 KiB values.
func BenchmarkRecordList(b *testing.B) {
	value := bytes.Repeat([]byte("0123456789abcdef"), 64)
	p := &RecordPage{ClusterID: "lkc-1", Topic: "orders", NextOffset: 100, HighWatermark: 100}
	for i := range 100 {
		p.Records = append(p.Records, ConsumedRecord{
			Topic: "orders", Offset: int64(i), Key: []byte("key"), Value: value, Timestamp: time.UnixMilli(1714564800123),
			Headers: []Header{{Name: "h", Value: []byte("v")}},
		})
	}
	links := NewLinks("https", "gw", "/kafka/v3")
	q := url.Values{"offset": {"0"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := links.RecordList(p, FormatBinary, q); err != nil {
			b.Fatal(err)
		}
	}
}

// A consumer poll and a v2 stateless read parse timeout and max_bytes with
// the same parser: the same values pass, the same are refused in the same words.
func TestPollAndReadNumbers_OneParser(t *testing.T) {
	for _, query := range []string{"timeout=-1", "timeout=soon", "timeout=", "max_bytes=0", "max_bytes=1e3", "max_bytes=-5", "timeout=1.5"} {
		q, _ := url.ParseQuery(query)
		_, pollErr := ParsePollQuery(q)
		_, readErr := ParseRead("v2", q, "")
		if pollErr == nil || readErr == nil {
			t.Fatalf("%s: poll %v, read %v; want both refused", query, pollErr, readErr)
		}
		p, r := asAPIError(t, pollErr), asAPIError(t, readErr)
		if p.Status != 400 || p.Code != 400 || p.Message != r.Message || !strings.Contains(p.Message, "must be a whole number, ") {
			t.Errorf("%s: poll %d/%d %q, read %d/%d %q", query, p.Status, p.Code, p.Message, r.Status, r.Code, r.Message)
		}
	}
	q, _ := url.ParseQuery("timeout=9223372036854775807&max_bytes=9223372036854775807")
	p, err := ParsePollQuery(q)
	if err != nil || p.Timeout == nil || *p.Timeout != maxTimeout || p.MaxBytes != 1<<31-1 {
		t.Errorf("huge values: %+v, %v; want them kept finite", p, err)
	}
	rq, err := ParseRead("v2", q, "")
	if err != nil || rq.Timeout != *p.Timeout || rq.MaxBytes != p.MaxBytes {
		t.Errorf("read %+v, %v; want the poll's %+v", rq, err, p)
	}
	if p, err := ParsePollQuery(url.Values{}); err != nil || p.Timeout != nil || p.MaxBytes != 0 {
		t.Errorf("no query: %+v, %v", p, err)
	}
}

// A parameter given twice is refused by a poll as by a read, in the same words.
func TestPollAndReadRepeats_Refused(t *testing.T) {
	for _, query := range []string{"timeout=1&timeout=2", "max_bytes=10&max_bytes=10", "timeout=0&max_bytes=5&timeout=0"} {
		q, _ := url.ParseQuery(query)
		_, pollErr := ParsePollQuery(q)
		_, readErr := ParseRead("v2", q, "")
		if pollErr == nil || readErr == nil {
			t.Fatalf("%s: poll %v, read %v; want both refused", query, pollErr, readErr)
		}
		p, r := asAPIError(t, pollErr), asAPIError(t, readErr)
		if p.Status != 400 || p.Message != r.Message || !strings.Contains(p.Message, "is given 2 times") {
			t.Errorf("%s: poll %d %q, read %d %q", query, p.Status, p.Message, r.Status, r.Message)
		}
	}
}
