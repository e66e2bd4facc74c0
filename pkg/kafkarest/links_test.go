package kafkarest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// links collects every "self" and "related" URL of a rendered body.
func links(t *testing.T, body []byte) []string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "self" || k == "related") {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// Group ids, topic, consumer and config names arrive percent-decoded from the
// path and may hold "/", "?", "#", "%" or spaces: every link escapes them, so
// that it parses, has no query or fragment, and routes back to the same
// names.
func TestLinks_EscapeEverySegment(t *testing.T) {
	const group, topic, consumer, config = "team/a?b#c%d e", "t.x_y-z", "c/1 #2", "a b/c"
	v := "1"
	bodies := map[string]func() ([]byte, error){
		"group": func() ([]byte, error) {
			return testLinks.ConsumerGroup("lkc-1", ConsumerGroup{ID: group, Coordinator: 1})
		},
		"consumers": func() ([]byte, error) {
			return testLinks.ConsumerList("lkc-1", group, []Consumer{{GroupID: group, ConsumerID: consumer}})
		},
		"assignments": func() ([]byte, error) {
			return testLinks.ConsumerAssignmentList("lkc-1", group, consumer,
				[]ConsumerAssignment{{GroupID: group, ConsumerID: consumer, Topic: topic, Partition: 2}})
		},
		"lags": func() ([]byte, error) {
			return testLinks.ConsumerLagList("lkc-1", group, []ConsumerLag{{GroupID: group, Topic: topic, Partition: 2}})
		},
		"lag summary": func() ([]byte, error) {
			return testLinks.LagSummary("lkc-1", LagSummary{Max: ConsumerLag{GroupID: group, Topic: topic, ConsumerID: consumer}})
		},
		"group offsets": func() ([]byte, error) { return testLinks.GroupOffsets("lkc-1", group, topic, nil) },
		"topic config": func() ([]byte, error) {
			return testLinks.TopicConfig("lkc-1", TopicConfig{Topic: topic, Config: Config{Name: config, Value: &v}})
		},
		"broker config": func() ([]byte, error) {
			return testLinks.BrokerConfig("lkc-1", BrokerConfig{BrokerID: 1, Config: Config{Name: config, Value: &v}})
		},
		"partition": func() ([]byte, error) { return testLinks.Partition("lkc-1", topic, Partition{ID: 1, Leader: 2}) },
	}
	for name, render := range bodies {
		t.Run(name, func(t *testing.T) {
			body, err := render()
			if err != nil {
				t.Fatal(err)
			}
			ls := links(t, body)
			if len(ls) == 0 {
				t.Fatal("no links")
			}
			for _, l := range ls {
				u, err := url.Parse(l)
				if err != nil {
					t.Errorf("link %q: %v", l, err)
					continue
				}
				if u.RawQuery != "" || u.Fragment != "" || u.Host != "gw.example.com:8443" {
					t.Errorf("link %q: query %q, fragment %q", l, u.RawQuery, u.Fragment)
					continue
				}
				if strings.HasSuffix(l, "/reassignment") || strings.HasSuffix(l, "/configs") && strings.Contains(l, "/brokers/") {
					continue // links to endpoints topicgate does not serve
				}
				r, err := Match("GET", u.EscapedPath())
				if err != nil {
					t.Errorf("link %q does not route: %v", l, err)
					continue
				}
				if r.Group != "" && r.Group != group || r.Consumer != "" && r.Consumer != consumer || r.Config != "" && r.Config != config {
					t.Errorf("link %q routes to group %q, consumer %q, config %q", l, r.Group, r.Consumer, r.Config)
				}
				if r.Topic != "" && r.Topic != topic {
					t.Errorf("link %q routes to topic %q", l, r.Topic)
				}
			}
		})
	}
}

// A group whose coordinator Kafka did not name links the cluster's brokers,
// not /brokers/-1; the schema requires the link.
func TestLinks_UnknownCoordinator(t *testing.T) {
	b, err := testLinks.ConsumerGroup("lkc-1", ConsumerGroup{ID: "g", Coordinator: -1})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Coordinator struct{ Related string } `json:"coordinator"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if want := "https://gw.example.com:8443/kafka/v3/clusters/lkc-1/brokers"; got.Coordinator.Related != want {
		t.Errorf("coordinator %q, want %q", got.Coordinator.Related, want)
	}
}
