package kafkarest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func i32(v int32) *int32 { return &v }

func mustTime(t testing.TB, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

func TestParseProduce_Valid(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Record
	}{
		{
			name: "one record with a BINARY key and a JSON value, compacted for Kafka",
			body: `{"key":{"type":"BINARY","data":"aGVsbG8="},"value":{"type":"JSON","data":{"a": 1, "b": [true, null]}}}`,
			want: []Record{{
				Index: 0,
				Key:   &Data{Type: "BINARY", Bytes: []byte("hello"), JSON: json.RawMessage(`"aGVsbG8="`)},
				Value: &Data{Type: "JSON", Bytes: []byte(`{"a":1,"b":[true,null]}`), JSON: json.RawMessage(`{"a": 1, "b": [true, null]}`)},
			}},
		},
		{
			name: "STRING data is written as its UTF-8 bytes",
			body: `{"value":{"type":"STRING","data":"caf\u00e9 \"q\""}}`,
			want: []Record{{Value: &Data{Type: "STRING", Bytes: []byte(`café "q"`), JSON: json.RawMessage(`"caf\u00e9 \"q\""`)}}},
		},
		{
			name: "JSON data may be a scalar",
			body: `{"value":{"type":"JSON","data":"x"}}`,
			want: []Record{{Value: &Data{Type: "JSON", Bytes: []byte(`"x"`), JSON: json.RawMessage(`"x"`)}}},
		},
		{
			name: "type is case-insensitive",
			body: `{"value":{"type":"string","data":"v"}}`,
			want: []Record{{Value: &Data{Type: "STRING", Bytes: []byte("v"), JSON: json.RawMessage(`"v"`)}}},
		},
		{
			name: "several concatenated records with whitespace between keep their order",
			body: "{\"value\":{\"type\":\"STRING\",\"data\":\"a\"}}\n  {\"value\":{\"type\":\"STRING\",\"data\":\"b\"}}{\"value\":{\"type\":\"STRING\",\"data\":\"c\"}}\r\n\t",
			want: []Record{
				{Index: 0, Value: &Data{Type: "STRING", Bytes: []byte("a"), JSON: json.RawMessage(`"a"`)}},
				{Index: 1, Value: &Data{Type: "STRING", Bytes: []byte("b"), JSON: json.RawMessage(`"b"`)}},
				{Index: 2, Value: &Data{Type: "STRING", Bytes: []byte("c"), JSON: json.RawMessage(`"c"`)}},
			},
		},
		{
			name: "headers: base64 values, null and absent values, empty value",
			body: `{"headers":[{"name":"h1","value":"dmFsdWU="},{"name":"h2","value":null},{"name":"h3"},{"name":"h4","value":""}]}`,
			want: []Record{{Headers: []Header{
				{Name: "h1", Value: []byte("value")},
				{Name: "h2"},
				{Name: "h3"},
				{Name: "h4", Value: []byte{}},
			}}},
		},
		{
			name: "partition_id and an RFC 3339 timestamp in UTC",
			body: `{"partition_id":2,"timestamp":"2024-05-01T12:30:00.123Z","value":{"type":"STRING","data":"v"}}`,
			want: []Record{{
				Partition: i32(2), Timestamp: mustTime(t, "2024-05-01T12:30:00.123Z"),
				Value: &Data{Type: "STRING", Bytes: []byte("v"), JSON: json.RawMessage(`"v"`)},
			}},
		},
		{
			name: "partition 0 and a timestamp with an offset",
			body: `{"partition_id":0,"timestamp":"2024-05-01T14:30:00+02:00"}`,
			want: []Record{{Partition: i32(0), Timestamp: mustTime(t, "2024-05-01T12:30:00Z")}},
		},
		{
			name: "null key and value",
			body: `{"key":null,"value":null,"headers":null,"partition_id":null,"timestamp":null}`,
			want: []Record{{}},
		},
		{
			name: "an empty object is a record without key or value",
			body: `{}`,
			want: []Record{{}},
		},
		{
			name: "typed null data has no bytes",
			body: `{"key":{"type":"BINARY"},"value":{"type":"JSON","data":null}}`,
			want: []Record{{Key: &Data{Type: "BINARY"}, Value: &Data{Type: "JSON"}}},
		},
		{
			name: "unknown fields are ignored",
			body: `{"extra":1,"value":{"type":"STRING","data":"v","extra":{}}}`,
			want: []Record{{Value: &Data{Type: "STRING", Bytes: []byte("v"), JSON: json.RawMessage(`"v"`)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProduce([]byte(tt.body), 10)
			if err != nil {
				t.Fatalf("ParseProduce(%s) failed: %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Data{}, "Text")); diff != "" {
				t.Errorf("ParseProduce(%s) mismatch (-want +got):\n%s", tt.body, diff)
			}
			for _, r := range got {
				checkText(t, r.Key)
				checkText(t, r.Value)
			}
		})
	}
}

// checkText holds Data.Text to its meaning: the string the JSON data
// decodes to, for BINARY and STRING data; nil for JSON data and nulls.
func checkText(t *testing.T, d *Data) {
	t.Helper()
	if d == nil {
		return
	}
	if d.Type == "JSON" || len(d.JSON) == 0 {
		if d.Text != nil {
			t.Errorf("%s data %s has Text %q", d.Type, d.JSON, *d.Text)
		}
		return
	}
	var s string
	if err := json.Unmarshal(d.JSON, &s); err != nil {
		t.Fatal(err)
	}
	if d.Text == nil || *d.Text != s {
		t.Errorf("%s data %s: Text %v, want %q", d.Type, d.JSON, d.Text, s)
	}
}

func TestParseProduce_Invalid(t *testing.T) {
	const ok = `{"value":{"type":"STRING","data":"ok"}}`
	tests := []struct {
		name       string
		body       string
		maxRecords int
		wantStatus int    // and error_code: topicgate uses the status as the code here
		wantMsg    string // a part of the message
	}{
		{name: "empty body", body: "", wantStatus: 422, wantMsg: "Request body is empty"},
		{name: "whitespace only", body: " \n\t\r ", wantStatus: 422, wantMsg: "Request body is empty"},
		{name: "malformed JSON", body: `{"value": nope}`, wantStatus: 400, wantMsg: "record 0 is not valid JSON"},
		{name: "STRING data that is not UTF-8", body: "{\"value\":{\"type\":\"STRING\",\"data\":\"a\xffb\"}}", wantStatus: 400, wantMsg: "record 0: value.data is not valid UTF-8"},
		{name: "STRING data with an escape that is not UTF-8", body: "{\"value\":{\"type\":\"STRING\",\"data\":\"a\\n\xffb\"}}", wantStatus: 400, wantMsg: "record 0: value.data is not valid UTF-8"},
		{name: "truncated JSON", body: `{"value":{"type":"STRING"`, wantStatus: 400, wantMsg: "record 0 is not valid JSON"},
		{name: "truncated second record", body: ok + `{"value":`, wantStatus: 400, wantMsg: "record 1 is not valid JSON"},
		{name: "garbage after a record", body: ok + ` ]`, wantStatus: 400, wantMsg: "record 1 is not valid JSON"},
		{name: "an array instead of an object", body: `[` + ok + `]`, wantStatus: 400, wantMsg: "record 0 must be a JSON object"},
		{name: "partition_id is a string", body: `{"partition_id":"1"}`, wantStatus: 400, wantMsg: "record 0: field partition_id must be an integer, got a string"},
		{name: "partition_id overflows int32", body: `{"partition_id":2147483648}`, wantStatus: 400, wantMsg: "record 0: field partition_id must be an integer, got 2147483648"},
		{name: "negative partition_id", body: ok + `{"partition_id":-1}`, wantStatus: 400, wantMsg: "record 1: partition_id must be 0 or more, got -1"},
		{name: "timestamp not RFC 3339", body: `{"timestamp":"yesterday"}`, wantStatus: 400, wantMsg: `record 0: timestamp "yesterday" is not an RFC 3339 date-time`},
		{name: "timestamp without time", body: ok + `{"timestamp":"2024-05-01"}`, wantStatus: 400, wantMsg: "record 1: timestamp"},
		{name: "header without name", body: `{"headers":[{"value":"YQ=="}]}`, wantStatus: 400, wantMsg: "record 0: headers[0] has no name"},
		{name: "header with an empty name", body: ok + `{"headers":[{"name":"a"},{"name":""}]}`, wantStatus: 400, wantMsg: "record 1: headers[1] has no name"},
		{name: "header value not base64", body: `{"headers":[{"name":"h","value":"not base64!"}]}`, wantStatus: 400, wantMsg: "record 0: headers[0] (h) value is not a base64 string"},
		{name: "key is not an object", body: `{"key":"abc"}`, wantStatus: 400, wantMsg: "record 0: key must be an object with type and data"},
		{name: "missing type", body: ok + `{"value":{"data":"a"}}`, wantStatus: 400, wantMsg: "record 1: value.type is required"},
		{name: "unknown type", body: `{"value":{"type":"XML","data":"<a/>"}}`, wantStatus: 400, wantMsg: `record 0: unknown value.type "XML"`},
		{name: "schema id without type", body: `{"value":{"schema_id":1,"data":{}}}`, wantStatus: 400, wantMsg: "record 0: value uses a schema"},
		{name: "subject without type", body: `{"key":{"subject":"s","data":1}}`, wantStatus: 400, wantMsg: "record 0: key uses a schema"},
		{name: "AVRO", body: `{"value":{"type":"AVRO","data":{}}}`, wantStatus: 400, wantMsg: "record 0: value.type AVRO needs Schema Registry"},
		{name: "JSONSCHEMA", body: `{"value":{"type":"JSONSCHEMA","data":{}}}`, wantStatus: 400, wantMsg: "value.type JSONSCHEMA needs Schema Registry"},
		{name: "PROTOBUF key", body: ok + `{"key":{"type":"PROTOBUF","data":{}}}`, wantStatus: 400, wantMsg: "record 1: key.type PROTOBUF needs Schema Registry"},
		{name: "BINARY data not base64", body: `{"value":{"type":"BINARY","data":"!!!"}}`, wantStatus: 400, wantMsg: "record 0: value.data is not a base64 string"},
		{name: "BINARY data not a string", body: `{"key":{"type":"BINARY","data":5}}`, wantStatus: 400, wantMsg: "record 0: key.data must be a base64 string"},
		{name: "STRING data not a string", body: ok + `{"value":{"type":"STRING","data":{"a":1}}}`, wantStatus: 400, wantMsg: "record 1: value.data must be a JSON string"},
		{name: "too many records", body: ok + ok + ok, maxRecords: 2, wantStatus: 400, wantMsg: "Bad Request: a request may hold at most 2 records, got more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProduce([]byte(tt.body), tt.maxRecords)
			if err == nil {
				t.Fatalf("ParseProduce(%s) = %+v, want an error", tt.body, got)
			}
			if got != nil {
				t.Errorf("ParseProduce(%s) returned records with an error: %+v", tt.body, got)
			}
			ae := asAPIError(t, err)
			if ae.Status != tt.wantStatus || ae.Code != tt.wantStatus {
				t.Errorf("status/code = %d/%d, want %d/%d (%v)", ae.Status, ae.Code, tt.wantStatus, tt.wantStatus, ae)
			}
			if !strings.Contains(ae.Message, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", ae.Message, tt.wantMsg)
			}
		})
	}
}

func TestParseProduce_MaxRecordsBoundary(t *testing.T) {
	rec := `{"value":{"type":"STRING","data":"x"}}`
	tests := []struct {
		name       string
		records    int
		maxRecords int
		wantErr    bool
	}{
		{name: "exactly the limit", records: 3, maxRecords: 3},
		{name: "one over the limit", records: 4, maxRecords: 3, wantErr: true},
		{name: "zero means no limit", records: 50, maxRecords: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProduce([]byte(strings.Repeat(rec, tt.records)), tt.maxRecords)
			if tt.wantErr {
				if err == nil || asAPIError(t, err).Status != http.StatusBadRequest {
					t.Fatalf("got %d records, err %v; want a 400", len(got), err)
				}
				return
			}
			if err != nil || len(got) != tt.records {
				t.Fatalf("got %d records, err %v; want %d records", len(got), err, tt.records)
			}
		})
	}
}

func TestRecordSize(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want int
	}{
		{name: "empty record", rec: Record{}, want: 0},
		{name: "key and value", rec: Record{Key: &Data{Bytes: []byte("ab")}, Value: &Data{Bytes: []byte("cde")}}, want: 5},
		{name: "typed null counts nothing", rec: Record{Value: &Data{Type: "JSON"}}, want: 0},
		{name: "header names and values count", rec: Record{Headers: []Header{{Name: "h1", Value: []byte("xyz")}, {Name: "h2"}}}, want: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rec.Size(); got != tt.want {
				t.Errorf("Size() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCheckJSONContentType(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		wantErr     string // "" when accepted, else a part of the message
	}{
		{name: "plain", contentType: "application/json"},
		{name: "with charset", contentType: "application/json; charset=utf-8"},
		{name: "upper case", contentType: "Application/JSON"},
		{name: "missing", contentType: "", wantErr: "got none"},
		{name: "text", contentType: "text/plain", wantErr: "got text/plain"},
		{name: "vendor JSON is not JSON", contentType: "application/vnd.kafka.json.v2+json", wantErr: "expected Content-Type application/json"},
		{name: "malformed", contentType: "application/json; =", wantErr: "expected Content-Type application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJSONContentType(tt.contentType)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckJSONContentType(%q) = %v, want nil", tt.contentType, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckJSONContentType(%q) = nil, want a 415", tt.contentType)
			}
			ae := asAPIError(t, err)
			if ae.Status != http.StatusUnsupportedMediaType || ae.Code != 415 {
				t.Errorf("status/code = %d/%d, want 415/415", ae.Status, ae.Code)
			}
			if !strings.Contains(ae.Message, tt.wantErr) {
				t.Errorf("message %q does not contain %q", ae.Message, tt.wantErr)
			}
		})
	}
}
