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
	if records, ok := parseProduceFast(body, maxRecords); ok {
		return records, nil
	}
	return parseProduceSlow(body, maxRecords)
}

// parseProduceFast splits a body of well-formed concatenated objects with
// one byte scan (objectEnd) instead of encoding/json's Decoder, which scans
// each record once more before it is parsed. It gives up (ok false) at
// anything else: what is not an object, a record that does not parse, too
// many records; parseProduceSlow then finds the same records, or the error
// and its message.
func parseProduceFast(body []byte, maxRecords int) (records []Record, ok bool) {
	for i, pos := 0, 0; ; i++ {
		pos = skipSpace(body, pos)
		if pos == len(body) {
			return records, len(records) > 0
		}
		end := objectEnd(body, pos)
		if end < 0 || (maxRecords > 0 && i >= maxRecords) {
			return nil, false
		}
		r, err := parseRecord(body[pos:end:end], i)
		if err != nil {
			return nil, false
		}
		records = append(records, r)
		pos = end
	}
}

// objectEnd returns the end of the JSON object that starts at body[start]
// (just past its closing brace), or -1 when none does: it tracks strings,
// escapes and nesting without validating, as parseRecord validates the
// object it is given.
func objectEnd(body []byte, start int) int {
	if start >= len(body) || body[start] != '{' {
		return -1
	}
	depth := 0
	for i := start; i < len(body); i++ {
		switch body[i] {
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// parseProduceSlow reads the records with encoding/json's Decoder, whose
// errors name the record and the offset: the path of any body the fast one
// gives up on.
func parseProduceSlow(body []byte, maxRecords int) ([]Record, error) {
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
		if maxRecords > 0 && i >= maxRecords {
			return nil, apierr.BadRequest("%s", tooManyRecords(maxRecords, -1))
		}
		r, err := parseRecord(raw, i)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	return records, nil
}

// parseRecord decodes one record object. The common case takes one pass:
// the record with its key and value parsed at once. When that fails, the
// record is decoded field by field, which names what is wrong.
func parseRecord(raw json.RawMessage, i int) (Record, error) {
	label := fmt.Sprintf("record %d", i)
	var f fastRecord
	if json.Unmarshal(raw, &f) == nil {
		w := wireRecord{PartitionID: f.PartitionID, Headers: f.Headers, Timestamp: f.Timestamp}
		r, err := w.decodeMeta(i, label)
		if err != nil {
			return r, err
		}
		if f.Key != nil {
			if r.Key, err = decodeWire(f.Key, label, "key"); err != nil {
				return r, err
			}
		}
		if f.Value != nil {
			if r.Value, err = decodeWire(f.Value, label, "value"); err != nil {
				return r, err
			}
		}
		return r, nil
	}
	var w wireRecord
	if err := json.Unmarshal(raw, &w); err != nil {
		return Record{}, apierr.BadRequest("%s", jsonMessage(label, err, len(raw)))
	}
	return w.decode(i, label)
}

// fastRecord is wireRecord with its key and value parsed in the same pass.
type fastRecord struct {
	PartitionID *int32       `json:"partition_id"`
	Headers     []wireHeader `json:"headers"`
	Key         *wireData    `json:"key"`
	Value       *wireData    `json:"value"`
	Timestamp   *string      `json:"timestamp"`
}

// decode validates and decodes the record at index i; label names it in
// error messages ("record 2", `entry "a"`).
func (w *wireRecord) decode(i int, label string) (Record, error) {
	r, err := w.decodeMeta(i, label)
	if err != nil {
		return r, err
	}
	if r.Key, err = decodeData(w.Key, label, "key"); err != nil {
		return r, err
	}
	if r.Value, err = decodeData(w.Value, label, "value"); err != nil {
		return r, err
	}
	return r, nil
}

// decodeMeta validates and decodes a record's partition, timestamp and
// headers.
func (w *wireRecord) decodeMeta(i int, label string) (Record, error) {
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
	return r, nil
}

// jsonString decodes a JSON string. A string without escapes (base64 text,
// most keys) is its bytes between the quotes; others go through the decoder.
func jsonString(raw json.RawMessage) (string, error) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 && bytes.IndexByte(raw[1:n-1], '"') < 0 {
		return string(raw[1 : n-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
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
	return decodeWire(&w, label, field)
}

// decodeWire validates and decodes a key or value already parsed.
func decodeWire(w *wireData, label, field string) (*Data, error) {
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
		s, err := jsonString(w.Data)
		if err != nil {
			return nil, apierr.BadRequest("%s: %s.data must be a base64 string for type BINARY", label, field)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, apierr.BadRequest("%s: %s.data is not a base64 string", label, field)
		}
		d.Bytes, d.Text = b, &s
	case "STRING":
		s, err := jsonString(w.Data)
		if err != nil {
			return nil, apierr.BadRequest("%s: %s.data must be a JSON string for type STRING", label, field)
		}
		// Checked on the bytes sent: decoding would replace bad bytes with
		// U+FFFD and write something the client did not send.
		if !utf8.Valid(w.Data) {
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
