package kafkarest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"time"

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

// PollQuery is a poll's query: timeout and max_bytes. Nil or 0: not given.
type PollQuery struct {
	Timeout  *time.Duration
	MaxBytes int
}

// ParsePollQuery reads timeout (ms, 0 or more) and max_bytes (1 or more),
// as a stateless read reads them; a parameter given twice is refused, as a
// read refuses it.
func ParsePollQuery(q url.Values) (PollQuery, error) {
	var p PollQuery
	if err := noRepeats(q); err != nil {
		return p, err
	}
	wait, ok, err := queryWait(q, "timeout")
	if err != nil {
		return p, err
	}
	if ok {
		p.Timeout = &wait
	}
	p.MaxBytes, err = queryLimit(q, "max_bytes")
	return p, err
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
