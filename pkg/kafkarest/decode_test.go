package kafkarest

import (
	"testing"
)

// parsers are every body parser, by name, with the API whose rules it follows.
var parsers = []struct {
	name, api string
	valid     string // a body it accepts
	parse     func([]byte) error
}{
	{"ParseCreateTopic v3", "v3", `{"topic_name":"a"}`, func(b []byte) error { _, err := ParseCreateTopic("v3", b); return err }},
	{"ParseCreateTopic v2", "v2", `{"topic_name":"a"}`, func(b []byte) error { _, err := ParseCreateTopic("v2", b); return err }},
	{"ParsePartitionsCount", "v3", `{"partitions_count":2}`, func(b []byte) error { _, err := ParsePartitionsCount(b); return err }},
	{"ParseConfigValue", "v3", `{"value":"1"}`, func(b []byte) error { _, err := ParseConfigValue(b); return err }},
	{"ParseAlterConfigs", "v3", `{"data":[{"name":"a","value":"1"}]}`, func(b []byte) error { _, err := ParseAlterConfigs(b); return err }},
	{"ParseBatch", "v3", `{"entries":[{"id":"1"}]}`, func(b []byte) error { _, err := ParseBatch(b, 0); return err }},
	{"ParseCommitOffsets", "v3", `{"offsets":[{"partition_id":0,"offset":1}]}`, func(b []byte) error { _, err := ParseCommitOffsets(b); return err }},
	{"ParseV2Produce", "v2", `{"records":[{"value":1}]}`, func(b []byte) error { _, err := ParseV2Produce(FormatJSON, b, nil, 0); return err }},
	{"ParseCreateConsumer", "v2", `{"name":"c"}`, func(b []byte) error { _, err := ParseCreateConsumer(b); return err }},
	{"ParseSubscription", "v2", `{"topics":["a"]}`, func(b []byte) error { _, err := ParseSubscription(b); return err }},
	{"ParsePartitions", "v2", `{"partitions":[{"topic":"a","partition":0}]}`, func(b []byte) error { _, err := ParsePartitions(b); return err }},
	{"ParseOffsets", "v2", `{"offsets":[{"topic":"a","partition":0,"offset":1}]}`, func(b []byte) error { _, err := ParseOffsets(b, false); return err }},
}

// statusOf is the status and error_code of a body that does not decode.
func statusOf(api string) (int, int, string) {
	if api == "v2" {
		return 422, 422, ""
	}
	return 400, 400, "Bad Request: "
}

// Every parser decodes exactly one JSON object: a stray '}' or ']' after it
// (which dec.More() does not see) is refused like any other trailing data,
// with one message and the API's status.
func TestDecode_TrailingDataRefusedEverywhere(t *testing.T) {
	for _, p := range parsers {
		status, code, prefix := statusOf(p.api)
		if err := p.parse([]byte(p.valid + " \n")); err != nil {
			t.Errorf("%s refused %s: %v", p.name, p.valid, err)
		}
		for _, trailer := range []string{"}", "]", " {}", "x", `"s"`, "1"} {
			t.Run(p.name+" "+trailer, func(t *testing.T) {
				adminWantErr(t, p.parse([]byte(p.valid+trailer)), status, code, prefix+trailingData)
			})
		}
	}
}

// Malformed JSON and a body that is not an object get one wording too.
func TestDecode_OneWording(t *testing.T) {
	for _, p := range parsers {
		status, code, prefix := statusOf(p.api)
		t.Run(p.name, func(t *testing.T) {
			adminWantErr(t, p.parse([]byte(`{"a":`)), status, code, prefix+"the body is not valid JSON: it ends at byte 5, inside a value")
			adminWantErr(t, p.parse([]byte(`{"a" 1}`)), status, code, prefix+"the body is not valid JSON: invalid character '1' after object key at byte 6")
			adminWantErr(t, p.parse([]byte(`[]`)), status, code, prefix+"the body must be a JSON object, got an array")
			adminWantErr(t, p.parse([]byte("  ")), 422, 422, "Request body is empty")
		})
	}
}

// A value of the wrong type names the field and both kinds, the same way in
// every body; v2 refuses unknown fields (422), v3 ignores them.
func TestDecode_TypesAndUnknownFields(t *testing.T) {
	tests := []struct {
		name, body string
		parse      func([]byte) error
		status     int
		message    string
	}{
		{"v3 create", `{"topic_name":"a","partitions_count":"3"}`, parsers[0].parse, 400, "Bad Request: field partitions_count must be an integer, got a string"},
		{"v3 commit", `{"offsets":[{"partition_id":"0","offset":1}]}`, parsers[6].parse, 400, "Bad Request: field offsets.partition_id must be an integer, got a string"},
		{"v3 alter", `{"data":[{"name":true}]}`, parsers[4].parse, 400, "Bad Request: field data.name must be a string, got a boolean"},
		{"v3 batch", `{"entries":"x"}`, parsers[5].parse, 400, "Bad Request: field entries must be an array, got a string"},
		{"v2 create", `{"topic_name":"a","partitions_count":"3"}`, parsers[1].parse, 422, "field partitions_count must be an integer, got a string"},
		{"v2 consumer", `{"fetch.min.bytes":"1"}`, parsers[8].parse, 422, "field fetch.min.bytes must be an integer, got a string"},
		{"v2 offsets", `{"offsets":[{"topic":"a","partition":"0","offset":1}]}`, parsers[11].parse, 422, "field offsets.partition must be an integer, got a string"},
		{"v2 produce", `{"records":{}}`, parsers[7].parse, 422, "field records must be an array, got an object"},
		{"v2 create, unknown field", `{"topic_name":"a","configs":[]}`, parsers[1].parse, 422, `unknown field "configs"`},
		{"v2 consumer, unknown field", `{"colour":"blue"}`, parsers[8].parse, 422, `unknown field "colour"`},
		{"v2 produce, unknown field", `{"records":[{"value":1}],"value_schema":"x"}`, parsers[7].parse, 422, `unknown field "value_schema"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adminWantErr(t, tt.parse([]byte(tt.body)), tt.status, tt.status, tt.message)
		})
	}
	for _, p := range parsers {
		if p.api != "v3" {
			continue
		}
		body := p.valid[:len(p.valid)-1] + `,"colour":"blue"}`
		if err := p.parse([]byte(body)); err != nil {
			t.Errorf("%s refused an unknown field: %v", p.name, err)
		}
	}
}

// The v3 produce stream decodes several values; a stray '}' or ']' after a
// record is refused as a record that is not valid JSON, in the same words.
func TestDecode_ProduceStreamTrailingData(t *testing.T) {
	ok := `{"value":{"type":"STRING","data":"a"}}`
	for _, trailer := range []string{"}", "]"} {
		_, err := ParseProduce([]byte(ok+trailer), 0)
		adminWantErr(t, err, 400, 400, "Bad Request: record 1 is not valid JSON: invalid character '"+trailer+"' looking for beginning of value at byte 39")
	}
	_, err := ParseProduce([]byte(`{"partition_id":"1"}`), 0)
	adminWantErr(t, err, 400, 400, "Bad Request: record 0: field partition_id must be an integer, got a string")
}

// A request over limits.max_records says so in the same words in every
// produce; each keeps its status: 400/400 in v3 (Confluent's produce), 422/42208
// in records:batch (Confluent's batch error), 422 in v2 (the bridge's).
func TestTooManyRecords_OneWording(t *testing.T) {
	ok := `{"value":{"type":"STRING","data":"a"}}`
	_, err := ParseProduce([]byte(ok+ok+ok), 2)
	adminWantErr(t, err, 400, 400, "Bad Request: a request may hold at most 2 records, got more")
	_, err = ParseBatch([]byte(`{"entries":[{"id":"1"},{"id":"2"},{"id":"3"}]}`), 2)
	adminWantErr(t, err, 422, 42208, "Produce batch error: a request may hold at most 2 records, got 3")
	_, err = ParseV2Produce(FormatJSON, []byte(`{"records":[{"value":1},{"value":2},{"value":3}]}`), nil, 2)
	adminWantErr(t, err, 422, 422, "The record list is not valid: a request may hold at most 2 records, got 3")
}
