package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Every metadata endpoint, under both prefixes, answers the spec's shape with
// Kafka's real values.
func TestMetadataEndpoints(t *testing.T) {
	cid := st.ClusterID
	tests := []struct {
		name, path, schema string
		check              func(t *testing.T, body map[string]any)
	}{
		{"list clusters", "/kafka/v3/clusters", "ClusterDataList", func(t *testing.T, b map[string]any) {
			data := b["data"].([]any)
			if len(data) != 1 || data[0].(map[string]any)["cluster_id"] != cid {
				t.Errorf("want one cluster %s, got %v", cid, data)
			}
		}},
		{"list clusters under /v3", "/v3/clusters", "ClusterDataList", nil},
		{"get cluster", "/kafka/v3/clusters/" + cid, "ClusterData", func(t *testing.T, b map[string]any) {
			if b["cluster_id"] != cid || b["kind"] != "KafkaCluster" {
				t.Errorf("got %v", b)
			}
			if self := b["metadata"].(map[string]any)["self"].(string); self != st.URL+"/kafka/v3/clusters/"+cid {
				t.Errorf("self link %s", self)
			}
		}},
		{"list topics", "/v3/clusters/" + cid + "/topics", "TopicDataList", func(t *testing.T, b map[string]any) {
			names := map[string]bool{}
			for _, d := range b["data"].([]any) {
				names[d.(map[string]any)["topic_name"].(string)] = true
			}
			// The list shows what the writer may describe: the policy
			// denies it the topic "forbidden", and its decisions about
			// "nonsense" and "failing" are unusable, which denies too.
			for _, tp := range topics {
				if want := !slices.Contains([]string{"forbidden", "nonsense", "failing"}, tp.Name); names[tp.Name] != want {
					t.Errorf("topic %s listed: %v, want %v (in %v)", tp.Name, names[tp.Name], want, names)
				}
			}
		}},
		{"get topic", "/kafka/v3/clusters/" + cid + "/topics/multi", "TopicData", func(t *testing.T, b map[string]any) {
			if b["topic_name"] != "multi" || b["partitions_count"] != float64(3) || b["replication_factor"] != float64(1) || b["is_internal"] != false {
				t.Errorf("got %v", b)
			}
		}},
		{"list partitions", "/kafka/v3/clusters/" + cid + "/topics/multi/partitions", "PartitionDataList", func(t *testing.T, b map[string]any) {
			data := b["data"].([]any)
			if len(data) != 3 {
				t.Fatalf("want 3 partitions, got %d", len(data))
			}
			for i, d := range data {
				p := d.(map[string]any)
				if p["partition_id"] != float64(i) || p["topic_name"] != "multi" {
					t.Errorf("partition %d: %v", i, p)
				}
				if !strings.HasSuffix(p["leader"].(map[string]any)["related"].(string), "/replicas/1") {
					t.Errorf("partition %d leader %v", i, p["leader"])
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, tc.path)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if err := v3spec.Check(tc.schema, r.Body); err != nil {
				t.Error(err)
			}
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, body)
			}
			if r.Header.Get("X-Request-Id") == "" || r.Header.Get("X-Topicgate-Decision-Id") == "" {
				t.Errorf("request and decision ids missing: %v", r.Header)
			}
		})
	}
}

// TestMetadataListsFilteredByPolicy: each item of a list answer is decided on
// its own (phase "item"), so a caller sees only the topics it may describe,
// as Kafka's metadata answers do. Anonymous callers may list topics by the
// action alone, so they see them all.
func TestMetadataListsFilteredByPolicy(t *testing.T) {
	v3names := func(user string) map[string]bool {
		var list struct {
			Data []struct {
				Name string `json:"topic_name"`
			} `json:"data"`
		}
		decodeAs(t, as(t, user, "GET", v3("/topics"), "", ""), 200, v3spec, "TopicDataList", &list)
		names := map[string]bool{}
		for _, d := range list.Data {
			names[d.Name] = true
		}
		return names
	}
	for _, tt := range []struct {
		user          string
		wantForbidden bool
	}{{"admin", false}, {"writer", false}, {"reader", true}} {
		names := v3names(tt.user)
		if !names["orders"] || names["forbidden"] != tt.wantForbidden {
			t.Errorf("%s: orders listed %v, forbidden listed %v; want true, %v", tt.user, names["orders"], names["forbidden"], tt.wantForbidden)
		}
	}
	var v2 []string
	decodeAs(t, as(t, "writer", "GET", "/topics", "", ""), 200, nil, "", &v2)
	if !slices.Contains(v2, "orders") || slices.Contains(v2, "forbidden") {
		t.Errorf("v2 /topics as writer: %v; want orders and not forbidden", v2)
	}
	decodeAs(t, as(t, "", "GET", "/topics", "", ""), 200, nil, "", &v2)
	if !slices.Contains(v2, "forbidden") {
		t.Errorf("v2 /topics anonymous: %v; the policy lets anonymous callers list every topic", v2)
	}
}
