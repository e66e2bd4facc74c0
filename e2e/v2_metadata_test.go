package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/topicgate/topicgate/e2e/stack"
)

const adminV2JSON = "application/vnd.kafka.json.v2+json"

func TestAdminV2Metadata(t *testing.T) {
	const topic = "admin-v2"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2, Configs: map[string]string{"cleanup.policy": "compact"}})
	for i := 0; i < 2; i++ {
		results(t, produce(t, topic, `{"partition_id":1,"key":{"type":"STRING","data":"k"},"value":{"type":"STRING","data":"x"}}`))
	}

	// The topic list is cached for metadata_ttl, and the topic was made
	// straight in Kafka: wait for a list that has it.
	var names []string
	var r reply
	adminEventually(t, "GET /topics lists "+topic, true, func() any {
		r = as(t, "", "GET", "/topics", "", "")
		decodeAs(t, r, 200, nil, "", &names)
		return slices.Contains(names, topic)
	})
	if slices.Contains(names, "__consumer_offsets") {
		t.Errorf("topics %v", names)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.kafka.v2+json" {
		t.Errorf("content-type %q", ct)
	}

	var md struct {
		Name       string            `json:"name"`
		Configs    map[string]string `json:"configs"`
		Partitions []json.RawMessage `json:"partitions"`
	}
	decodeAs(t, as(t, "reader", "GET", "/topics/"+topic, "", ""), 200, v2spec, "TopicMetadata", &md)
	if md.Name != topic || md.Configs["cleanup.policy"] != "compact" || len(md.Partitions) != 2 {
		t.Errorf("metadata: name %s, cleanup.policy %q, %d partitions", md.Name, md.Configs["cleanup.policy"], len(md.Partitions))
	}

	var parts []json.RawMessage
	decodeAs(t, as(t, "reader", "GET", "/topics/"+topic+"/partitions", "", ""), 200, nil, "", &parts)
	if len(parts) != 2 {
		t.Fatalf("%d partitions", len(parts))
	}
	for _, p := range parts {
		if err := v2spec.Check("PartitionMetadata", p); err != nil {
			t.Error(err)
		}
	}
	var p struct {
		Partition int32 `json:"partition"`
		Leader    int32 `json:"leader"`
		Replicas  []struct {
			Broker int32 `json:"broker"`
			Leader bool  `json:"leader"`
			InSync bool  `json:"in_sync"`
		} `json:"replicas"`
	}
	decodeAs(t, as(t, "reader", "GET", "/topics/"+topic+"/partitions/1", "", ""), 200, v2spec, "PartitionMetadata", &p)
	if p.Partition != 1 || len(p.Replicas) != 1 || p.Replicas[0].Broker != p.Leader || !p.Replicas[0].Leader || !p.Replicas[0].InSync {
		t.Errorf("partition %+v", p)
	}

	var off struct {
		Beginning int64 `json:"beginning_offset"`
		End       int64 `json:"end_offset"`
	}
	decodeAs(t, as(t, "reader", "GET", "/topics/"+topic+"/partitions/1/offsets", "", ""), 200, v2spec, "OffsetsSummary", &off)
	if off.Beginning != 0 || off.End != 2 {
		t.Errorf("offsets %+v, want 0 and 2", off)
	}

	wantError(t, as(t, "reader", "GET", "/topics/admin-v2-nope", "", ""), 404, 404)
	wantError(t, as(t, "reader", "GET", "/topics/"+topic+"/partitions/7", "", ""), 404, 404)
	wantError(t, as(t, "reader", "GET", "/topics/"+topic+"/partitions/7/offsets", "", ""), 404, 404)
}

func TestAdminV2CreateTopic(t *testing.T) {
	r := as(t, "admin", "POST", "/admin/topics", adminV2JSON, `{"topic_name":"admin-v2-created","partitions_count":3,"replication_factor":1}`)
	if r.Status != http.StatusCreated || len(r.Body) != 0 {
		t.Fatalf("create answered %d: %s", r.Status, r.Body)
	}
	adminEventually(t, "partitions of admin-v2-created", 3, func() any { return adminPartitions(t, "admin-v2-created") })

	for _, tt := range []struct {
		name, user, contentType, topic, body string
		status                               int
	}{
		{"denied by the policy", "admin", adminV2JSON, "forbidden-x", `{"topic_name":"forbidden-x","partitions_count":1}`, 403},
		{"reader may not create", "reader", adminV2JSON, "admin-v2-reader", `{"topic_name":"admin-v2-reader"}`, 403},
		{"wrong media type", "admin", "application/json", "admin-v2-json", `{"topic_name":"admin-v2-json"}`, 415},
		{"invalid name", "admin", adminV2JSON, "admin v2", `{"topic_name":"admin v2"}`, 400},
		{"not JSON", "admin", adminV2JSON, "admin-v2-bad", `{"topic_name":`, 422},
		{"data after the body", "admin", adminV2JSON, "admin-v2-trailing", `{"topic_name":"admin-v2-trailing"}}`, 422},
		{"a v3 field", "admin", adminV2JSON, "admin-v2-dry", `{"topic_name":"admin-v2-dry","validate_only":true}`, 422},
		{"existing topic", "admin", adminV2JSON, "", `{"topic_name":"admin-v2-created"}`, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, as(t, tt.user, "POST", "/admin/topics", tt.contentType, tt.body), tt.status, tt.status)
			if tt.topic != "" && tt.topic != "admin v2" {
				if n := adminPartitions(t, tt.topic); n != 0 {
					t.Errorf("%s exists with %d partitions", tt.topic, n)
				}
			}
		})
	}
	if n := adminPartitions(t, "admin-v2-created"); n != 3 {
		t.Errorf("admin-v2-created has %d partitions after the refused requests", n)
	}
}
