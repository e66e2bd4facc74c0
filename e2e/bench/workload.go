package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ValueSize is the size of each record's value in Kafka.
const ValueSize = 1024

// Workload is one kind of request.
type Workload struct {
	Name    string // e.g. "produce1-v3"
	Base    string // what it does regardless of API: "produce1", "produce100", "metadata"
	API     string // "v3" (Confluent REST v3), "v2" (Strimzi bridge), "" (no HTTP API)
	Records int    // records per request; 0 for a read
}

// Workloads are the workloads, in the order they run: those without an API
// are the direct producer's.
var Workloads = []Workload{
	{Name: "produce1", Base: "produce1", Records: 1},
	{Name: "produce1-v3", Base: "produce1", API: "v3", Records: 1},
	{Name: "produce1-v2", Base: "produce1", API: "v2", Records: 1},
	{Name: "produce100", Base: "produce100", Records: 100},
	{Name: "produce100-v3", Base: "produce100", API: "v3", Records: 100},
	{Name: "produce100-v2", Base: "produce100", API: "v2", Records: 100},
	{Name: "metadata", Base: "metadata", API: "v3"},
}

// RecordID is the id of record i of request seq of worker: unique within a
// run's topic, and the record's key, so the topic can be checked against
// the acknowledgements.
func RecordID(worker, seq, records, i int) string {
	return "w" + strconv.Itoa(worker) + "-" + strconv.Itoa(seq*records+i)
}

// value is the value of every record: ValueSize printable bytes that need
// no escaping in JSON.
var value = func() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, ValueSize)
	for i := range b {
		b[i] = alphabet[(i*7+i/64)%len(alphabet)]
	}
	return string(b)
}()

// Target is where an HTTP system takes requests.
type Target struct {
	Client    *http.Client
	URL       string // e.g. http://127.0.0.1:8080
	ClusterID string
	Topic     string
	User      string
	Password  string
}

// ProduceBody is the request body of a produce workload for ids: v3 records
// concatenated (Confluent's streaming produce), or a v2 records list in the
// bridge's json format (key and value JSON strings).
func ProduceBody(api string, ids []string) []byte {
	var b bytes.Buffer
	b.Grow(len(ids) * (ValueSize + 80))
	if api == "v2" {
		b.WriteString(`{"records":[`)
	}
	for i, id := range ids {
		if api == "v2" {
			if i > 0 {
				b.WriteByte(',')
			}
			// The json format stores the key and value as JSON: the value
			// string with its quotes is ValueSize bytes.
			b.WriteString(`{"key":"` + id + `","value":"` + value[:ValueSize-2] + `"}`)
		} else {
			b.WriteString(`{"key":{"type":"STRING","data":"` + id + `"},"value":{"type":"STRING","data":"` + value + `"}}` + "\n")
		}
	}
	if api == "v2" {
		b.WriteString(`]}`)
	}
	return b.Bytes()
}

// KafkaKey is the key a record of id has in Kafka under api, and IDFromKey
// its inverse: the v2 json format stores the key as a JSON string.
func KafkaKey(api, id string) string {
	if api == "v2" {
		return `"` + id + `"`
	}
	return id
}

// IDFromKey is the record id of a key read back from Kafka.
func IDFromKey(key []byte) string { return strings.Trim(string(key), `"`) }

// ParseAcks reads a produce answer: which of ids were acknowledged. A v3
// answer is one delivery report per record, in order, each with its
// error_code (200 when written); a v2 answer is {"offsets": [...]}, one per
// record, in order, with an offset when written.
func ParseAcks(api string, body []byte, ids []string) (acked []string, err error) {
	if api == "v2" {
		var a struct {
			Offsets []struct {
				Offset    *int64 `json:"offset"`
				ErrorCode *int   `json:"error_code"`
				Message   string `json:"message"`
			} `json:"offsets"`
		}
		if err := json.Unmarshal(body, &a); err != nil {
			return nil, fmt.Errorf("v2 answer: %w", err)
		}
		if len(a.Offsets) != len(ids) {
			return nil, fmt.Errorf("v2 answer has %d offsets for %d records", len(a.Offsets), len(ids))
		}
		for i, o := range a.Offsets {
			if o.ErrorCode == nil && o.Offset != nil {
				acked = append(acked, ids[i])
			} else if err == nil {
				err = fmt.Errorf("record %s: %s", ids[i], o.Message)
			}
		}
		return acked, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	n := 0
	for ; ; n++ {
		var r struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		if e := dec.Decode(&r); e == io.EOF {
			break
		} else if e != nil {
			return nil, fmt.Errorf("v3 answer: %w", e)
		}
		if n >= len(ids) {
			return nil, fmt.Errorf("v3 answer has more reports than the %d records", len(ids))
		}
		if r.ErrorCode == http.StatusOK {
			acked = append(acked, ids[n])
		} else if err == nil {
			err = fmt.Errorf("record %s: %d %s", ids[n], r.ErrorCode, r.Message)
		}
	}
	if n != len(ids) {
		return nil, fmt.Errorf("v3 answer has %d reports for %d records", n, len(ids))
	}
	return acked, err
}

// payload is the key+value bytes in Kafka of the records ids under api.
func payload(api string, ids []string) int64 {
	var n int64
	for _, id := range ids {
		n += int64(len(KafkaKey(api, id)) + ValueSize)
	}
	return n
}

// HTTPOp is a workload's request against a target.
func HTTPOp(t Target, w Workload) Op {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(t.User+":"+t.Password))
	v3topic := t.URL + "/kafka/v3/clusters/" + t.ClusterID + "/topics/" + t.Topic
	return func(ctx context.Context, worker, seq int) Outcome {
		var ids []string
		var req *http.Request
		var err error
		switch {
		case w.Records == 0:
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, v3topic, nil)
		default:
			ids = make([]string, w.Records)
			for i := range ids {
				ids[i] = RecordID(worker, seq, w.Records, i)
			}
			url, ct := v3topic+"/records", "application/json"
			if w.API == "v2" {
				url, ct = t.URL+"/topics/"+t.Topic, "application/vnd.kafka.json.v2+json"
			}
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(ProduceBody(w.API, ids)))
			if err == nil {
				req.Header.Set("Content-Type", ct)
			}
		}
		if err != nil {
			return Outcome{Err: err}
		}
		req.Header.Set("Authorization", auth)
		resp, err := t.Client.Do(req)
		if err != nil {
			return Outcome{Err: err}
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return Outcome{Err: err}
		}
		if resp.StatusCode != http.StatusOK {
			return Outcome{Err: fmt.Errorf("%s: %s", resp.Status, truncate(body, 200))}
		}
		if w.Records == 0 {
			return Outcome{Bytes: int64(len(body))}
		}
		acked, err := ParseAcks(w.API, body, ids)
		return Outcome{Acked: acked, Records: len(acked), Bytes: payload(w.API, acked), Err: err}
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// WaitHTTP polls url with GET (as user) until it answers 200.
func WaitHTTP(ctx context.Context, c *http.Client, url, user, password string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := errors.New("not tried")
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s: %s", resp.Status, truncate(b, 200))
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after %s: %v", url, timeout, last)
}
