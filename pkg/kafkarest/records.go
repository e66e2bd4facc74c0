package kafkarest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Embedded formats of the v2 API: how keys and values travel in JSON.
const (
	FormatJSON   = "json"   // a JSON value
	FormatBinary = "binary" // base64 text
	FormatText   = "text"   // a string
)

// ConsumedRecord is a record read from Kafka, to render.
type ConsumedRecord struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte // nil: none
	Value     []byte // nil: tombstone
	Headers   []Header
	Timestamp time.Time
}

type kafkaHeader struct {
	Key   string `json:"key"`
	Value []byte `json:"value"` // base64, as the bridge sends it
}

type v2Record struct {
	Topic     string          `json:"topic"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Partition int32           `json:"partition"`
	Offset    int64           `json:"offset"`
	Timestamp int64           `json:"timestamp"`
	Headers   []kafkaHeader   `json:"headers"`
}

// V2Records renders records as the bridge's ConsumerRecordList: keys and
// values in the embedded format, header values base64, timestamps in ms.
// With format json, a key or value that is not JSON fails the answer with
// 406, since the client asked for JSON it cannot be given.
func V2Records(format string, recs []ConsumedRecord) ([]byte, error) {
	out := make([]v2Record, len(recs))
	for i := range recs {
		r := &recs[i]
		k, err := embed(format, r.Key)
		if err != nil {
			return nil, recordNotInFormat(r, "key", format)
		}
		v, err := embed(format, r.Value)
		if err != nil {
			return nil, recordNotInFormat(r, "value", format)
		}
		hs := make([]kafkaHeader, len(r.Headers))
		for j, h := range r.Headers {
			// The bridge's header value is a string: a null value is sent empty.
			hs[j] = kafkaHeader{Key: h.Name, Value: h.Value}
			if hs[j].Value == nil {
				hs[j].Value = []byte{}
			}
		}
		out[i] = v2Record{
			Topic: r.Topic, Key: k, Value: v, Partition: r.Partition, Offset: r.Offset,
			Timestamp: unixMilli(r.Timestamp), Headers: hs,
		}
	}
	return json.Marshal(out)
}

// unixMilli is Kafka's timestamp of t: ms since the epoch, -1 for none.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return t.UnixMilli()
}

// CheckV2Record tells whether a consumer instance of the format can carry
// the record: for json its key and value must be JSON, for text UTF-8. A
// record it cannot carry is a 406 that tells the client what to do, as an
// instance's format is fixed when it is created.
func CheckV2Record(format string, r *ConsumedRecord) error {
	for _, part := range []struct {
		what string
		b    []byte
	}{{"key", r.Key}, {"value", r.Value}} {
		if part.b == nil {
			continue
		}
		if (format == FormatJSON && !json.Valid(part.b)) || (format == FormatText && !utf8.Valid(part.b)) {
			return apierr.New(http.StatusNotAcceptable, 406,
				"The %s of the record at offset %d of %s-%d is not valid %s; it was not consumed. A consumer instance's format is fixed: read it with an instance created with format binary.",
				part.what, r.Offset, r.Topic, r.Partition, format)
		}
	}
	return nil
}

func recordNotInFormat(r *ConsumedRecord, what, format string) error {
	return apierr.New(http.StatusNotAcceptable, 406,
		"The %s of the record at offset %d of %s-%d is not valid %s; ask for the binary format.", what, r.Offset, r.Topic, r.Partition, format)
}

// embed writes b in the embedded format; nil is null.
func embed(format string, b []byte) (json.RawMessage, error) {
	if b == nil {
		return json.RawMessage("null"), nil
	}
	switch format {
	case FormatJSON:
		if !json.Valid(b) {
			return nil, errNotJSON
		}
		return json.RawMessage(b), nil
	case FormatText:
		if !utf8.Valid(b) {
			return nil, errNotJSON
		}
		return json.Marshal(string(b))
	default:
		// base64 needs no JSON escaping: quote it without the encoder.
		out := make([]byte, base64.StdEncoding.EncodedLen(len(b))+2)
		out[0], out[len(out)-1] = '"', '"'
		base64.StdEncoding.Encode(out[1:], b)
		return out, nil
	}
}

var errNotJSON = apierr.BadRequest("not in the format")

// RecordPage is what a v3 record list (topicgate's stateless read) is built
// from: one partition's records and where the log stands.
type RecordPage struct {
	ClusterID      string
	Topic          string
	Partition      int32
	NextOffset     int64
	LogStartOffset int64
	HighWatermark  int64
	Records        []ConsumedRecord
}

type recordListMetadata struct {
	Self string `json:"self"`
	Next string `json:"next"`
}

type recordList struct {
	Kind           string             `json:"kind"`
	Metadata       recordListMetadata `json:"metadata"`
	ClusterID      string             `json:"cluster_id"`
	TopicName      string             `json:"topic_name"`
	PartitionID    int32              `json:"partition_id"`
	NextOffset     int64              `json:"next_offset"`
	LogStartOffset int64              `json:"log_start_offset"`
	HighWatermark  int64              `json:"high_watermark"`
	Data           []recordData       `json:"data"`
}

type recordData struct {
	PartitionID int32        `json:"partition_id"`
	Offset      int64        `json:"offset"`
	Timestamp   *string      `json:"timestamp"`
	Key         *typedData   `json:"key"`
	Value       *typedData   `json:"value"`
	Headers     []headerData `json:"headers"`
}

// typedData is a key or value as the v3 produce request takes it.
type typedData struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

type headerData struct {
	Name  string `json:"name"`
	Value []byte `json:"value"` // base64; null for a header without value
}

// v3Types names the embedded formats as v3 key/value types.
var v3Types = map[string]string{FormatBinary: "BINARY", FormatJSON: "JSON", FormatText: "STRING"}

// RecordList renders a page of a v3 stateless read. query is the request's
// query: self links to it, next to the same read from NextOffset. Keys and
// values have the types of the v3 produce request; a record not in the asked
// format fails the answer with 406.
func (l Links) RecordList(p *RecordPage, format string, query url.Values) ([]byte, error) {
	path := l.partition(p.ClusterID, p.Topic, p.Partition) + "/records"
	next := url.Values{}
	for k, v := range query {
		if k != "timestamp" {
			next[k] = v
		}
	}
	next.Set("offset", strconv.FormatInt(p.NextOffset, 10))
	out := recordList{
		Kind:        "KafkaRecordList",
		Metadata:    recordListMetadata{Self: withQuery(path, query), Next: withQuery(path, next)},
		ClusterID:   p.ClusterID,
		TopicName:   p.Topic,
		PartitionID: p.Partition, NextOffset: p.NextOffset,
		LogStartOffset: p.LogStartOffset, HighWatermark: p.HighWatermark,
		Data: make([]recordData, len(p.Records)),
	}
	for i := range p.Records {
		r := &p.Records[i]
		d := recordData{PartitionID: r.Partition, Offset: r.Offset, Headers: make([]headerData, len(r.Headers))}
		if !r.Timestamp.IsZero() {
			ts := r.Timestamp.UTC().Format(timestampLayout)
			d.Timestamp = &ts
		}
		var err error
		if d.Key, err = typed(format, r.Key); err != nil {
			return nil, recordNotInFormat(r, "key", format)
		}
		if d.Value, err = typed(format, r.Value); err != nil {
			return nil, recordNotInFormat(r, "value", format)
		}
		for j, h := range r.Headers {
			d.Headers[j] = headerData{Name: h.Name, Value: h.Value}
		}
		out.Data[i] = d
	}
	return json.Marshal(out)
}

// timestampLayout is RFC 3339 with milliseconds, Kafka's precision.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

func typed(format string, b []byte) (*typedData, error) {
	if b == nil {
		return nil, nil
	}
	raw, err := embed(format, b)
	if err != nil {
		return nil, err
	}
	return &typedData{Type: v3Types[format], Data: raw}, nil
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
