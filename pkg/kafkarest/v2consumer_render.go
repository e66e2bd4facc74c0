package kafkarest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// CheckPollAccept checks a poll's Accept header against the instance's
// format (negotiate): its media type, the generic v2 type, a wildcard or no
// header are fine; a header that does not accept it is the bridge's 406.
func CheckPollAccept(accept, format string) error {
	want := RecordsMediaType(format)
	if _, ok := negotiate(accept, want); ok {
		return nil
	}
	return apierr.New(http.StatusNotAcceptable, 406,
		"The `format` used in the consumer creation request does not match the embedded format in the Accept header of this request: the instance's format is %s, so accept %s.",
		format, want)
}

// PollQuery is a poll's query: timeout (ms) and max_bytes. Nil: not given.
type PollQuery struct {
	TimeoutMs *int64
	MaxBytes  *int64
}

// ParsePollQuery reads timeout and max_bytes; each must be a non-negative
// integer (max_bytes positive).
func ParsePollQuery(q url.Values) (PollQuery, error) {
	var p PollQuery
	for _, f := range []struct {
		name string
		dst  **int64
		min  int64
	}{{"timeout", &p.TimeoutMs, 0}, {"max_bytes", &p.MaxBytes, 1}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < f.min {
			return p, apierr.BadRequest("%s must be an integer of at least %d, got %s", f.name, f.min, strconv.Quote(v))
		}
		*f.dst = &n
	}
	return p, nil
}

type createdConsumer struct {
	InstanceID string `json:"instance_id"`
	BaseURI    string `json:"base_uri"`
}

// V2CreatedConsumer renders CreatedConsumer. The base URI is built from the
// request's scheme and authority, so it points back through the same Envoy.
func V2CreatedConsumer(scheme, authority, group, name string) []byte {
	if scheme == "" {
		scheme = "http"
	}
	u := scheme + "://" + authority + "/consumers/" + url.PathEscape(group) + "/instances/" + url.PathEscape(name)
	b, _ := json.Marshal(createdConsumer{InstanceID: name, BaseURI: u})
	return b
}

type subscribedTopicList struct {
	Topics     []string             `json:"topics"`
	Partitions []map[string][]int32 `json:"partitions"`
}

// V2Subscription renders SubscribedTopicList as the bridge does: topics as a
// list of names (the spec's schema says a Topics object, but its example and
// the bridge send the list), and the partitions held, one object per topic,
// sorted by topic.
func V2Subscription(topics []string, parts map[string][]int32) []byte {
	out := subscribedTopicList{Topics: topics, Partitions: []map[string][]int32{}}
	if out.Topics == nil {
		out.Topics = []string{}
	}
	names := make([]string, 0, len(parts))
	for t := range parts {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		out.Partitions = append(out.Partitions, map[string][]int32{t: parts[t]})
	}
	b, _ := json.Marshal(out)
	return b
}
