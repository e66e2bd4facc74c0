package kafkarest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/topicgate/topicgate/pkg/apierr"
)

func TestV2ProduceFormat(t *testing.T) {
	for ct, want := range map[string]string{
		"application/vnd.kafka.json.v2+json":                 "json",
		"application/vnd.kafka.binary.v2+json":               "binary",
		"application/vnd.kafka.text.v2+json; charset=utf-8":  "text",
		"application/json":                                   "",
		"application/vnd.kafka.avro.v2+json":                 "",
		"":                                                   "",
		"application/vnd.kafka.v2+json":                      "",
		"application/vnd.kafka.json.v2+json; broken=\"quote": "",
	} {
		got, err := V2ProduceFormat(ct)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: got %q, %v; want %q", ct, got, err, want)
		}
		if err != nil && apierr.From(err).Status != 415 {
			t.Errorf("%q: status %d, want 415", ct, apierr.From(err).Status)
		}
	}
}

func TestParseV2Produce_Formats(t *testing.T) {
	p1 := int32(1)
	ts := time.UnixMilli(1591897790123).UTC()
	tests := []struct {
		format, body string
		partition    *int32
		want         []Record
	}{
		{format: "json", body: `{"records":[{"key":{"k": [1, 2]},"value":"v","partition":1,"timestamp":1591897790123,"headers":[{"key":"h","value":"dg=="}]},{"value":null},{"key":7,"value":[true]}]}`,
			want: []Record{
				{Index: 0, Partition: &p1, Timestamp: &ts, Headers: []Header{{Name: "h", Value: []byte("v")}},
					Key:   &Data{Type: "JSON", Bytes: []byte(`{"k":[1,2]}`), JSON: []byte(`{"k": [1, 2]}`)},
					Value: &Data{Type: "JSON", Bytes: []byte(`"v"`), JSON: []byte(`"v"`)}},
				{Index: 1},
				{Index: 2, Key: &Data{Type: "JSON", Bytes: []byte(`7`), JSON: []byte(`7`)}, Value: &Data{Type: "JSON", Bytes: []byte(`[true]`), JSON: []byte(`[true]`)}},
			}},
		{format: "binary", body: `{"records":[{"key":"AAE=","value":"/w=="},{"value":null,"headers":[{"key":"n"}]}]}`,
			want: []Record{
				{Index: 0, Key: &Data{Type: "BINARY", Bytes: []byte{0, 1}, JSON: []byte(`"AAE="`)}, Value: &Data{Type: "BINARY", Bytes: []byte{0xff}, JSON: []byte(`"/w=="`)}},
				{Index: 1, Headers: []Header{{Name: "n"}}},
			}},
		{format: "text", body: `{"records":[{"key":"ké","value":"{not json"}]}`, partition: &p1,
			want: []Record{
				{Index: 0, Partition: &p1, Key: &Data{Type: "STRING", Bytes: []byte("ké"), JSON: []byte(`"ké"`)}, Value: &Data{Type: "STRING", Bytes: []byte("{not json"), JSON: []byte(`"{not json"`)}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got, err := ParseV2Produce(tt.format, []byte(tt.body), tt.partition, 10)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Data{}, "Text")); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
			for _, r := range got {
				checkText(t, r.Key)
				checkText(t, r.Value)
			}
		})
	}
}

func TestParseV2Produce_Refused(t *testing.T) {
	p0 := int32(0)
	tests := []struct {
		name, format, body string
		partition          *int32
		status             int
		message            string
	}{
		{name: "empty", format: "json", body: "", status: 422, message: "Request body is empty"},
		{name: "not JSON", format: "json", body: `{"records":[`, status: 422, message: "the body is not valid JSON: it ends at byte 12, inside a value"},
		{name: "an array", format: "json", body: `[]`, status: 422, message: "the body must be a JSON object, got an array"},
		{name: "unknown top-level field", format: "json", body: `{"records":[{"value":1}],"value_schema":"x"}`, status: 422, message: `unknown field "value_schema"`},
		{name: "no records", format: "json", body: `{}`, status: 422, message: "no records array"},
		{name: "text that is not UTF-8", format: "text", body: "{\"records\":[{\"value\":\"a\xffb\"}]}", status: 422, message: "record 0: value is not valid UTF-8"},
		{name: "empty records", format: "json", body: `{"records":[]}`, status: 422, message: "records array is empty"},
		{name: "too many", format: "json", body: `{"records":[{"value":1},{"value":2},{"value":3}]}`, status: 422, message: "at most 2 records, got 3"},
		{name: "record not an object", format: "json", body: `{"records":[{"value":1},"x"]}`, status: 422, message: "record 1 must be a JSON object"},
		{name: "no value", format: "json", body: `{"records":[{"key":"k"}]}`, status: 422, message: "record 0 has no value"},
		{name: "unknown record field", format: "json", body: `{"records":[{"value":1,"offset":3,"topic":"t"}]}`, status: 422, message: "record 0 has unknown fields: offset, topic"},
		{name: "binary not base64", format: "binary", body: `{"records":[{"value":"%%%"}]}`, status: 422, message: "record 0: value is not valid base64"},
		{name: "binary not a string", format: "binary", body: `{"records":[{"key":{"a":1},"value":"AA=="}]}`, status: 422, message: "record 0: key must be a base64 string"},
		{name: "text not a string", format: "text", body: `{"records":[{"value":1}]}`, status: 422, message: "record 0: value must be a string in the text format"},
		{name: "partition negative", format: "json", body: `{"records":[{"value":1,"partition":-1}]}`, status: 422, message: "partition must be an integer from 0"},
		{name: "partition a string", format: "json", body: `{"records":[{"value":1,"partition":"1"}]}`, status: 422, message: "partition must be an integer"},
		{name: "partition in body and path", format: "json", body: `{"records":[{"value":1,"partition":0}]}`, partition: &p0, status: 422, message: "the path already does"},
		{name: "timestamp not ms", format: "json", body: `{"records":[{"value":1,"timestamp":"2024-01-01T00:00:00Z"}]}`, status: 422, message: "timestamp must be milliseconds"},
		{name: "timestamp fractional", format: "json", body: `{"records":[{"value":1,"timestamp":1.5}]}`, status: 422, message: "timestamp must be milliseconds"},
		{name: "header not base64", format: "json", body: `{"records":[{"value":1,"headers":[{"key":"h","value":"%%"}]}]}`, status: 422, message: "headers[0] (h) value is not valid base64"},
		{name: "header without key", format: "json", body: `{"records":[{"value":1,"headers":[{"value":"AA=="}]}]}`, status: 422, message: "headers[0] has no key"},
		{name: "header with a v3 name", format: "json", body: `{"records":[{"value":1,"headers":[{"name":"h"}]}]}`, status: 422, message: "headers must be an array"},
		{name: "a bad record after a good one", format: "text", body: `{"records":[{"value":"ok"},{"value":false}]}`, status: 422, message: "record 1: value must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseV2Produce(tt.format, []byte(tt.body), tt.partition, 2)
			e := apierr.From(err)
			if e.Status != tt.status || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got %d %q, want %d containing %q", e.Status, e.Message, tt.status, tt.message)
			}
		})
	}
}

func TestV2Offsets(t *testing.T) {
	b, err := V2Offsets([]V2Offset{
		{Partition: 0, Offset: 0},
		{Err: apierr.New(503, 50003, "The Kafka cluster is not available; retry later.")},
		{Partition: 2, Offset: 9},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"offsets":[{"partition":0,"offset":0},{"error_code":503,"message":"The Kafka cluster is not available; retry later."},{"partition":2,"offset":9}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
