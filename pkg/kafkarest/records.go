package kafkarest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
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
			hs[j] = kafkaHeader{Key: h.Name, Value: h.Value}
		}
		out[i] = v2Record{
			Topic: r.Topic, Key: k, Value: v, Partition: r.Partition, Offset: r.Offset,
			Timestamp: r.Timestamp.UnixMilli(), Headers: hs,
		}
	}
	return json.Marshal(out)
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
		return json.Marshal(base64.StdEncoding.EncodeToString(b))
	}
}

var errNotJSON = apierr.BadRequest("not in the format")
