package kafkarest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Batch entry ids are 1 to 80 characters, as in the spec's ProduceBatchRequestEntry.
const (
	batchIDMin = 1
	batchIDMax = 80
)

// BatchEntry is one entry of a records:batch request. Err is set when the
// entry itself is invalid: it is answered as a failure and not written, while
// the valid entries are.
type BatchEntry struct {
	ID     string
	Record Record // Record.Index is the entry's position
	Err    *apierr.Error
}

// BatchError is a records:batch request refused as a whole (422, error_code
// 42208, Confluent's produce-batch error).
func BatchError(format string, args ...any) *apierr.Error {
	return apierr.New(http.StatusUnprocessableEntity, 42208, "Produce batch error: "+format, args...)
}

type wireBatch struct {
	Entries *[]json.RawMessage `json:"entries"`
}

// ParseBatch decodes a records:batch body. What makes the batch itself
// unusable refuses the whole request, so nothing is written: a body that is
// not JSON (400); no entries array, no entries, more than maxEntries, an
// entry that is not an object, an id that is missing, not a string, empty or
// longer than 80 characters, or ids that repeat (422, 42208). A problem
// inside one entry (types, base64, timestamp, headers) fails only that entry.
func ParseBatch(body []byte, maxEntries int) ([]BatchEntry, error) {
	var w wireBatch
	if err := v3Body.decode(body, &w); err != nil {
		return nil, err
	}
	if w.Entries == nil {
		return nil, BatchError("the body must be an object with an entries array")
	}
	n := len(*w.Entries)
	switch {
	case n == 0:
		return nil, BatchError("the batch has no entries")
	case maxEntries > 0 && n > maxEntries:
		return nil, BatchError("%s", tooManyRecords(maxEntries, n))
	}
	entries := make([]BatchEntry, n)
	seen := make(map[string]int, n)
	for i, raw := range *w.Entries {
		if len(raw) == 0 || raw[0] != '{' {
			return nil, BatchError("entries[%d] must be a JSON object", i)
		}
		// Decode the id first: it names the entry in every later message.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(raw, &idOnly); err != nil {
			return nil, BatchError("%s", jsonMessage(fmt.Sprintf("entries[%d]", i), err, len(raw)))
		}
		id, err := batchID(i, idOnly.ID)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[id]; dup {
			return nil, BatchError("the entry ids are not distinct: entries[%d] and entries[%d] are both %s", j, i, strconv.Quote(id))
		}
		seen[id] = i
		e := BatchEntry{ID: id, Record: Record{Index: i}}
		label := "entry " + strconv.Quote(id)
		var we wireRecord // the id is not one of its fields, and is ignored
		if err := json.Unmarshal(raw, &we); err != nil {
			e.Err = apierr.BadRequest("%s", jsonMessage(label, err, len(raw)))
		} else if r, err := we.decode(i, label); err != nil {
			e.Err = apierr.From(err)
		} else {
			e.Record = r
		}
		entries[i] = e
	}
	return entries, nil
}

func batchID(i int, raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", BatchError("entries[%d] has no id", i)
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", BatchError("entries[%d].id must be a string", i)
	}
	if n := utf8.RuneCountInString(id); n < batchIDMin || n > batchIDMax {
		return "", BatchError("entries[%d].id must be %d to %d characters long, got %d", i, batchIDMin, batchIDMax, n)
	}
	return id, nil
}

// BatchResult is the outcome of one batch entry.
type BatchResult struct {
	ID string
	ProduceResult
}

type batchSuccess struct {
	ID          string       `json:"id"`
	ClusterID   string       `json:"cluster_id"`
	TopicName   string       `json:"topic_name"`
	PartitionID int32        `json:"partition_id"`
	Offset      int64        `json:"offset"`
	Timestamp   string       `json:"timestamp"`
	Key         *produceData `json:"key,omitempty"`
	Value       *produceData `json:"value,omitempty"`
}

type batchFailure struct {
	ID        string `json:"id"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

type batchResponse struct {
	Successes []batchSuccess `json:"successes"`
	Failures  []batchFailure `json:"failures"`
}

// ProduceBatchResults renders the 207 answer of records:batch: successes and
// failures, each in entry order.
func ProduceBatchResults(results []BatchResult) ([]byte, error) {
	out := batchResponse{Successes: []batchSuccess{}, Failures: []batchFailure{}}
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			out.Failures = append(out.Failures, batchFailure{ID: r.ID, ErrorCode: r.Err.Code, Message: r.Err.Message})
			continue
		}
		out.Successes = append(out.Successes, batchSuccess{
			ID: r.ID, ClusterID: r.ClusterID, TopicName: r.Topic,
			PartitionID: r.Partition, Offset: r.Offset,
			Timestamp: r.Timestamp.UTC().Format(time.RFC3339Nano),
			Key:       dataSummary(r.Record.Key), Value: dataSummary(r.Record.Value),
		})
	}
	return json.Marshal(out)
}
