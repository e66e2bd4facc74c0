package kafkarest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// invalidRecords is the bridge's 422 for a record list it cannot use.
func invalidRecords(format string, args ...any) *apierr.Error {
	return apierr.New(http.StatusUnprocessableEntity, 422, "The record list is not valid: "+format, args...)
}

// v2RecordFields are the fields a bridge record may have (the spec's
// ProducerRecord; additionalProperties is false).
var v2RecordFields = map[string]bool{"key": true, "value": true, "partition": true, "timestamp": true, "headers": true}

// ParseV2Produce decodes a bridge produce body, {"records": [...]}, with keys
// and values in the embedded format: any JSON value (json), a base64 string
// (binary) or a string (text). partition is the partition in the path (nil
// for POST /topics/{t}); records may not name one then. Any problem refuses
// the whole request with 422, so nothing of it is written. The records come
// out typed as the v3 ones (JSON, BINARY, STRING), so the policy sees the
// same input for both APIs.
func ParseV2Produce(format string, body []byte, partition *int32, maxRecords int) ([]Record, error) {
	var list struct {
		Records *[]json.RawMessage `json:"records"`
	}
	if err := v2Body.decode(body, &list); err != nil {
		return nil, err
	}
	switch {
	case list.Records == nil:
		return nil, invalidRecords("the body has no records array")
	case len(*list.Records) == 0:
		return nil, invalidRecords("the records array is empty")
	case maxRecords > 0 && len(*list.Records) > maxRecords:
		return nil, invalidRecords("%s", tooManyRecords(maxRecords, len(*list.Records)))
	}
	records := make([]Record, len(*list.Records))
	for i, raw := range *list.Records {
		r, err := decodeV2Record(format, i, raw, partition)
		if err != nil {
			return nil, err
		}
		records[i] = r
	}
	return records, nil
}

func decodeV2Record(format string, i int, raw json.RawMessage, pathPartition *int32) (Record, error) {
	r := Record{Index: i, Partition: pathPartition}
	var fields map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &fields) != nil {
		return r, invalidRecords("record %d must be a JSON object", i)
	}
	var unknown []string
	for name := range fields {
		if !v2RecordFields[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return r, invalidRecords("record %d has unknown fields: %s", i, strings.Join(unknown, ", "))
	}
	value, ok := fields["value"]
	if !ok {
		return r, invalidRecords("record %d has no value (send \"value\": null for a tombstone)", i)
	}
	var err error
	if r.Key, err = decodeV2Data(format, fields["key"], i, "key"); err != nil {
		return r, err
	}
	if r.Value, err = decodeV2Data(format, value, i, "value"); err != nil {
		return r, err
	}
	if p, ok := fields["partition"]; ok && !isNull(p) {
		if pathPartition != nil {
			return r, invalidRecords("record %d names a partition, but the path already does", i)
		}
		n, ok := v2Int(p, 0, math.MaxInt32)
		if !ok {
			return r, invalidRecords("record %d: partition must be an integer from 0 to %d, got %s", i, math.MaxInt32, p)
		}
		part := int32(n)
		r.Partition = &part
	}
	if ts, ok := fields["timestamp"]; ok && !isNull(ts) {
		ms, ok := v2Int(ts, 0, math.MaxInt64)
		if !ok {
			return r, invalidRecords("record %d: timestamp must be milliseconds since the epoch, 0 or more, got %s", i, ts)
		}
		t := time.UnixMilli(ms).UTC()
		r.Timestamp = &t
	}
	if h, ok := fields["headers"]; ok && !isNull(h) {
		if r.Headers, err = decodeV2Headers(h, i); err != nil {
			return r, err
		}
	}
	return r, nil
}

// v2Int decodes a JSON integer within [lo, hi].
func v2Int(raw json.RawMessage, lo, hi int64) (int64, bool) {
	var n json.Number // also takes a quoted number: refuse strings first
	if raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil && v >= lo && v <= hi
}

func decodeV2Data(format string, raw json.RawMessage, i int, field string) (*Data, error) {
	if isNull(raw) {
		return nil, nil
	}
	switch format {
	case FormatJSON:
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, invalidRecords("record %d: %s is not valid JSON", i, field)
		}
		return &Data{Type: "JSON", Bytes: buf.Bytes(), JSON: raw}, nil
	case FormatBinary:
		s, err := jsonString(raw)
		if err != nil {
			return nil, invalidRecords("record %d: %s must be a base64 string in the binary format", i, field)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, invalidRecords("record %d: %s is not valid base64", i, field)
		}
		return &Data{Type: "BINARY", Bytes: b, JSON: raw, Text: &s}, nil
	default: // text
		s, err := jsonString(raw)
		if err != nil {
			return nil, invalidRecords("record %d: %s must be a string in the text format", i, field)
		}
		if !utf8.Valid(raw) { // decoding would replace bad bytes with U+FFFD
			return nil, invalidRecords("record %d: %s is not valid UTF-8", i, field)
		}
		return &Data{Type: "STRING", Bytes: []byte(s), JSON: raw, Text: &s}, nil
	}
}

func decodeV2Headers(raw json.RawMessage, i int) ([]Header, error) {
	var hs []struct {
		Key   *string `json:"key"`
		Value *string `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hs); err != nil {
		return nil, invalidRecords("record %d: headers must be an array of {\"key\": string, \"value\": base64 string}", i)
	}
	out := make([]Header, len(hs))
	for j, h := range hs {
		if h.Key == nil || *h.Key == "" {
			return nil, invalidRecords("record %d: headers[%d] has no key", i, j)
		}
		out[j] = Header{Name: *h.Key}
		if h.Value != nil {
			v, err := base64.StdEncoding.DecodeString(*h.Value)
			if err != nil {
				return nil, invalidRecords("record %d: headers[%d] (%s) value is not valid base64", i, j, *h.Key)
			}
			out[j].Value = v
		}
	}
	return out, nil
}

// V2Offset is the outcome of one record of a bridge produce.
type V2Offset struct {
	Partition int32
	Offset    int64
	Err       *apierr.Error // nil: written
}

type v2OffsetOut struct {
	Partition *int32 `json:"partition,omitempty"`
	Offset    *int64 `json:"offset,omitempty"`
	ErrorCode *int   `json:"error_code,omitempty"`
	Message   string `json:"message,omitempty"`
}

// V2Offsets renders the bridge's OffsetRecordSentList: per record, in order,
// {"partition", "offset"} or {"error_code", "message"}. error_code is the
// HTTP status, as in the bridge's error envelope.
func V2Offsets(offsets []V2Offset) ([]byte, error) {
	out := struct {
		Offsets []v2OffsetOut `json:"offsets"`
	}{Offsets: make([]v2OffsetOut, len(offsets))}
	for i := range offsets {
		o := &offsets[i]
		if o.Err != nil {
			out.Offsets[i] = v2OffsetOut{ErrorCode: &o.Err.Status, Message: o.Err.Message}
			continue
		}
		out.Offsets[i] = v2OffsetOut{Partition: &o.Partition, Offset: &o.Offset}
	}
	return json.Marshal(out)
}
