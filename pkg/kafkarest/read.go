package kafkarest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Symbolic start offsets of a stateless read.
const (
	ReadEarliest int64 = -2 // the log start offset
	ReadLatest   int64 = -1 // the high watermark: only records still to come
)

// maxTimeout keeps a parsed timeout far from overflowing a time.Duration;
// the gateway caps it much lower anyway.
const maxTimeout = 24 * time.Hour

// ReadQuery is a parsed stateless read: where to start and how much to
// answer. Zero limits mean "the gateway's cap".
type ReadQuery struct {
	Offset     int64     // an offset, ReadEarliest or ReadLatest
	Timestamp  time.Time // not zero: start at the first record at or after it
	MaxRecords int
	MaxBytes   int
	Timeout    time.Duration // how long to wait for new records at the end of the log
	Format     string        // FormatBinary, FormatJSON or FormatText
}

// ParseRead parses the query of a stateless read. The v3 API names the
// long-poll timeout timeout_ms and the format in a format parameter; the v2
// API names it timeout (ms, as the bridge's poll does) and takes the format
// from the Accept header. Without offset and timestamp, the read starts at
// the earliest offset.
func ParseRead(api string, q url.Values, accept string) (ReadQuery, error) {
	rq := ReadQuery{Offset: ReadEarliest, Format: FormatBinary}
	if err := noRepeats(q); err != nil {
		return rq, err
	}
	if q.Has("offset") && q.Has("timestamp") {
		return rq, apierr.BadRequest("give offset or timestamp, not both")
	}
	var err error
	if v := q.Get("offset"); q.Has("offset") {
		if rq.Offset, err = parseOffset(v); err != nil {
			return rq, err
		}
	}
	if v := q.Get("timestamp"); q.Has("timestamp") {
		if rq.Timestamp, err = parseTimestamp(v); err != nil {
			return rq, err
		}
	}
	if rq.MaxRecords, err = queryLimit(q, "max_records"); err != nil {
		return rq, err
	}
	if rq.MaxBytes, err = queryLimit(q, "max_bytes"); err != nil {
		return rq, err
	}
	timeoutName := "timeout_ms"
	if api == "v2" {
		timeoutName = "timeout"
	}
	if rq.Timeout, _, err = queryWait(q, timeoutName); err != nil {
		return rq, err
	}
	if api == "v2" {
		rq.Format, err = V2AcceptFormat(accept)
		return rq, err
	}
	switch f := strings.ToLower(q.Get("format")); f {
	case "", "binary":
	case "json":
		rq.Format = FormatJSON
	case "string":
		rq.Format = FormatText
	default:
		return rq, apierr.BadRequest("format must be binary, json or string, got %s", strconv.Quote(q.Get("format")))
	}
	return rq, nil
}

func parseOffset(v string) (int64, error) {
	switch v {
	case "earliest":
		return ReadEarliest, nil
	case "latest":
		return ReadLatest, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apierr.BadRequest("offset must be an offset (0 or more), earliest or latest, got %s", strconv.Quote(v))
	}
	return n, nil
}

// parseTimestamp takes milliseconds since the epoch, as Kafka counts, or an
// RFC 3339 date-time, as v3 renders timestamps.
func parseTimestamp(v string) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		return time.UnixMilli(n), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil && t.UnixMilli() >= 0 {
		return t, nil
	}
	return time.Time{}, apierr.BadRequest("timestamp must be milliseconds since the epoch or an RFC 3339 date-time, not before 1970, got %s", strconv.Quote(v))
}

// noRepeats refuses a query parameter given more than once (the first in
// name order, so the answer does not vary). Reads and consumer polls share it.
func noRepeats(q url.Values) error {
	names := make([]string, 0, len(q))
	for name, vs := range q {
		if len(vs) > 1 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return apierr.BadRequest("query parameter %s is given %d times", names[0], len(q[names[0]]))
}

// queryNumber reads an optional whole-number query parameter of at least
// lo (ok false: not given). Reads and consumer polls share it, so their
// numbers are refused in the same words.
func queryNumber(q url.Values, name string, lo int64) (n int64, ok bool, err error) {
	if !q.Has(name) {
		return 0, false, nil
	}
	v := q.Get(name)
	n, err = strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo {
		return 0, false, apierr.BadRequest("%s must be a whole number, %d or more, got %s", name, lo, strconv.Quote(v))
	}
	return n, true, nil
}

// queryLimit reads a limit (max_records, max_bytes): 1 or more, 0 when not
// given; kept within an int32.
func queryLimit(q url.Values, name string) (int, error) {
	n, _, err := queryNumber(q, name, 1)
	return int(min(n, 1<<31-1)), err
}

// queryWait reads a wait in milliseconds (timeout, timeout_ms): 0 or more,
// kept below maxTimeout so that it cannot overflow a time.Duration.
func queryWait(q url.Values, name string) (time.Duration, bool, error) {
	ms, ok, err := queryNumber(q, name, 0)
	return time.Duration(min(ms, maxTimeout.Milliseconds())) * time.Millisecond, ok, err
}

// V2AcceptFormat picks the embedded format of a v2 read from the Accept
// header (negotiate): the bridge's records type it prefers. No Accept, a
// wildcard or the generic application/vnd.kafka.v2+json is binary; a header
// that accepts none of the three is 406.
func V2AcceptFormat(accept string) (string, error) {
	offers := make([]string, len(recordMediaTypes))
	for i, r := range recordMediaTypes {
		offers[i] = r.mediaType
	}
	mt, ok := negotiate(accept, offers...)
	if !ok {
		return "", apierr.New(http.StatusNotAcceptable, 406,
			"HTTP 406 Not Acceptable: records are served as %s, not %s", orList(offers), accept)
	}
	f, _ := recordsFormat(mt)
	return f, nil
}
