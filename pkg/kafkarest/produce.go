package kafkarest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Record is one record of a v3 produce request, validated and decoded.
type Record struct {
	Index     int        // position in the request, from 0
	Partition *int32     // nil: the partitioner chooses
	Timestamp *time.Time // nil: the producer's clock
	Headers   []Header
	Key       *Data // nil: no key
	Value     *Data // nil: no value (a tombstone)
}

// Header is a record header with its decoded bytes.
type Header struct {
	Name  string
	Value []byte // nil when the request sent null
}

// Data is a decoded key or value.
type Data struct {
	Type  string          // BINARY, JSON or STRING
	Bytes []byte          // what is written to Kafka
	JSON  json.RawMessage // the data as sent (the policy sees it decoded)
	// Text is the decoded string of BINARY (the base64 text as sent) and
	// STRING data, when the parser has it: the policy input needs no
	// second decoding of JSON then.
	Text *string
}

// Size is the number of bytes written to Kafka for d (0 for nil).
func (d *Data) Size() int {
	if d == nil {
		return 0
	}
	return len(d.Bytes)
}

// Size is the record's payload size: key, value, header names and values.
func (r *Record) Size() int {
	n := r.Key.Size() + r.Value.Size()
	for _, h := range r.Headers {
		n += len(h.Name) + len(h.Value)
	}
	return n
}

// The wire form of a record, as in the spec's ProduceRequest schema.
type wireRecord struct {
	PartitionID *int32          `json:"partition_id"`
	Headers     []wireHeader    `json:"headers"`
	Key         json.RawMessage `json:"key"`
	Value       json.RawMessage `json:"value"`
	Timestamp   *string         `json:"timestamp"`
}

type wireHeader struct {
	Name  *string `json:"name"`
	Value *string `json:"value"`
}

type wireData struct {
	Type           *string         `json:"type"`
	Data           json.RawMessage `json:"data"`
	Subject        json.RawMessage `json:"subject"`
	SchemaID       json.RawMessage `json:"schema_id"`
	SchemaVersion  json.RawMessage `json:"schema_version"`
	Schema         json.RawMessage `json:"schema"`
	SubjectNameStr json.RawMessage `json:"subject_name_strategy"`
}

// ParseProduce decodes a v3 produce body: one JSON record object, or several
// concatenated. Any problem fails the whole request, so that nothing of a bad
// request is written; the error says which record and field is wrong.
// maxRecords bounds the number of records (0: no bound).
func ParseProduce(body []byte, maxRecords int) ([]Record, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, apierr.EmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var records []Record
	for i := 0; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, apierr.BadRequest("%s", jsonMessage(fmt.Sprintf("record %d", i), err, len(body)))
		}
		if raw[0] != '{' {
			return nil, apierr.BadRequest("record %d must be a JSON object", i)
		}
		var w wireRecord
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, apierr.BadRequest("%s", jsonMessage(fmt.Sprintf("record %d", i), err, len(raw)))
		}
		if maxRecords > 0 && i >= maxRecords {
			return nil, apierr.BadRequest("%s", tooManyRecords(maxRecords, -1))
		}
		r, err := w.decode(i, fmt.Sprintf("record %d", i))
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	return records, nil
}

// decode validates and decodes the record at index i; label names it in
// error messages ("record 2", `entry "a"`).
func (w *wireRecord) decode(i int, label string) (Record, error) {
	r := Record{Index: i}
	if w.PartitionID != nil {
		if *w.PartitionID < 0 {
			return r, apierr.BadRequest("%s: partition_id must be 0 or more, got %d", label, *w.PartitionID)
		}
		r.Partition = w.PartitionID
	}
	if w.Timestamp != nil {
		ts, err := time.Parse(time.RFC3339Nano, *w.Timestamp)
		if err != nil {
			return r, apierr.BadRequest("%s: timestamp %q is not an RFC 3339 date-time", label, *w.Timestamp)
		}
		r.Timestamp = &ts
	}
	for j, h := range w.Headers {
		if h.Name == nil || *h.Name == "" {
			return r, apierr.BadRequest("%s: headers[%d] has no name", label, j)
		}
		hdr := Header{Name: *h.Name}
		if h.Value != nil {
			v, err := base64.StdEncoding.DecodeString(*h.Value)
			if err != nil {
				return r, apierr.BadRequest("%s: headers[%d] (%s) value is not a base64 string", label, j, *h.Name)
			}
			hdr.Value = v
		}
		r.Headers = append(r.Headers, hdr)
	}
	var err error
	if r.Key, err = decodeData(w.Key, label, "key"); err != nil {
		return r, err
	}
	if r.Value, err = decodeData(w.Value, label, "value"); err != nil {
		return r, err
	}
	return r, nil
}

// tooManyRecords is the one wording of a request over limits.max_records,
// whichever API and status refuse it; got < 0: the count is not known (the
// v3 stream stops reading at the first record too many).
func tooManyRecords(limit, got int) string {
	if got < 0 {
		return fmt.Sprintf("a request may hold at most %d records, got more", limit)
	}
	return fmt.Sprintf("a request may hold at most %d records, got %d", limit, got)
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func decodeData(raw json.RawMessage, label, field string) (*Data, error) {
	if isNull(raw) {
		return nil, nil
	}
	var w wireData
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, apierr.BadRequest("%s: %s must be an object with type and data", label, field)
	}
	if w.Type == nil {
		if !isNull(w.SchemaID) || !isNull(w.SchemaVersion) || !isNull(w.Schema) || !isNull(w.Subject) || !isNull(w.SubjectNameStr) {
			return nil, apierr.BadRequest("%s: %s uses a schema; topicgate serves BINARY, JSON and STRING data only (set %s.type)", label, field, field)
		}
		return nil, apierr.BadRequest("%s: %s.type is required: one of BINARY, JSON, STRING", label, field)
	}
	d := &Data{Type: strings.ToUpper(*w.Type), JSON: w.Data}
	switch d.Type {
	case "BINARY", "STRING", "JSON":
	case "AVRO", "JSONSCHEMA", "PROTOBUF":
		return nil, apierr.BadRequest("%s: %s.type %s needs Schema Registry; topicgate serves BINARY, JSON and STRING data", label, field, d.Type)
	default:
		return nil, apierr.BadRequest("%s: unknown %s.type %q: use BINARY, JSON or STRING", label, field, *w.Type)
	}
	if isNull(w.Data) {
		// A typed null: no bytes, as Kafka has no other way to say it.
		d.JSON = nil
		return d, nil
	}
	switch d.Type {
	case "BINARY":
		var s string
		if err := json.Unmarshal(w.Data, &s); err != nil {
			return nil, apierr.BadRequest("%s: %s.data must be a base64 string for type BINARY", label, field)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, apierr.BadRequest("%s: %s.data is not a base64 string", label, field)
		}
		d.Bytes, d.Text = b, &s
	case "STRING":
		var s string
		if err := json.Unmarshal(w.Data, &s); err != nil {
			return nil, apierr.BadRequest("%s: %s.data must be a JSON string for type STRING", label, field)
		}
		if !utf8.ValidString(s) {
			return nil, apierr.BadRequest("%s: %s.data is not valid UTF-8", label, field)
		}
		d.Bytes, d.Text = []byte(s), &s
	case "JSON":
		var buf bytes.Buffer
		if err := json.Compact(&buf, w.Data); err != nil {
			return nil, apierr.BadRequest("%s: %s.data is not valid JSON", label, field)
		}
		d.Bytes = buf.Bytes()
	}
	return d, nil
}
