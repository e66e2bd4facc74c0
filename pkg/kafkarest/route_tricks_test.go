package kafkarest

import "testing"

// Behind an Envoy that does not normalize paths (no normalize_path,
// merge_slashes or escaped-slash rejection), Match alone must still never
// resolve a path trick to a topic: it decodes each segment once and takes
// dot segments, empty segments and decoded slashes literally, so they match
// no route or fail Kafka's topic name rules. Only the plain name and its
// percent-encoded letters name the topic, and the policy then decides on
// that plain name. e2e/paths_test.go sends the same tricks through the
// shipped Envoy.
func TestMatch_PathTricksWithoutEnvoy(t *testing.T) {
	const topics = "/kafka/v3/clusters/c1/topics/"
	reach := map[string]bool{ // path -> whether it names the topic "forbidden"
		topics + "forbidden/records":                          true,
		topics + "%66orbidden/records":                        true,
		"/topics/forbidden":                                   true,
		"/topics/%66%6f%72bidden":                             true,
		topics + "forbidden/records/":                         false,
		topics + "forbidden//records":                         false,
		topics + "./forbidden/records":                        false,
		topics + "x/../forbidden/records":                     false,
		topics + "x/%2e%2e/forbidden/records":                 false,
		topics + "%2e/forbidden/records":                      false,
		topics + "x%2Fforbidden/records":                      false,
		topics + "x%2F..%2Fforbidden/records":                 false,
		topics + "x%5C..%5Cforbidden/records":                 false,
		topics + `x\..\forbidden/records`:                     false,
		topics + "x%252Fforbidden/records":                    false,
		topics + "forbidden%00/records":                       false,
		topics + "forbidden;a/records":                        false,
		topics + "forbidden%3Bx/records":                      false,
		topics + "forbidden%23x/records":                      false,
		topics + "FORBIDDEN/records":                          false, // another topic: Kafka names are case-sensitive
		topics + "forb%C4%B1dden/records":                     false,
		"/kafka/v3/x/../clusters/c1/topics/forbidden/records": false,
		"/kafka/v3/./clusters/c1/topics/forbidden/records":    false,
		"/x/../topics/forbidden":                              false,
		"/topics/./forbidden":                                 false,
		"//topics/forbidden":                                  false,
		"/topics/forbidden/":                                  false,
		"/TOPICS/forbidden":                                   false,
		"/V3/clusters/c1/topics/forbidden/records":            false,
	}
	for path, want := range reach {
		r, err := Match("POST", path)
		got := err == nil && r.Topic == "forbidden"
		if got != want {
			t.Errorf("Match(POST, %q) = topic %q, error %v; names forbidden: %v, want %v", path, r.Topic, err, got, want)
		}
		if err == nil && r.Topic != "forbidden" && r.Topic != "FORBIDDEN" {
			t.Errorf("Match(POST, %q) names the topic %q", path, r.Topic)
		}
	}
}
