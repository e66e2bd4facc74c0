package kafkarest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

var groupsLag = ConsumerLag{
	GroupID: "billing", Topic: "orders", Partition: 1, CurrentOffset: 5, LogEndOffset: 25, Lag: 20,
	ConsumerID: "rdkafka-1", InstanceID: "pod-a", ClientID: "billing-app",
}

// groupsRendered are the consumer-group bodies and their Confluent schemas.
func groupsRendered() []rendered {
	group := ConsumerGroup{ID: "billing", PartitionAssignor: "range", State: "STABLE", Type: "CLASSIC", Coordinator: 1}
	unassigned := ConsumerLag{GroupID: "billing", Topic: "orders", Partition: 2, CurrentOffset: 7, LogEndOffset: 7}
	consumer := Consumer{GroupID: "billing", ConsumerID: "rdkafka-1", ClientID: "billing-app"}
	assignment := ConsumerAssignment{GroupID: "billing", ConsumerID: "rdkafka-1", Topic: "orders", Partition: 1}
	return []rendered{
		{name: "group_list", schema: "ConsumerGroupDataList", body: func() ([]byte, error) {
			return testLinks.ConsumerGroupList("lkc-1", []ConsumerGroup{group, {ID: "idle", State: "EMPTY", Type: "CLASSIC", Simple: true}})
		}},
		{name: "group_list_empty", schema: "ConsumerGroupDataList", body: func() ([]byte, error) {
			return testLinks.ConsumerGroupList("lkc-1", nil)
		}},
		{name: "group", schema: "ConsumerGroupData", body: func() ([]byte, error) { return testLinks.ConsumerGroup("lkc-1", group) }},
		{name: "consumer_list", schema: "ConsumerDataList", body: func() ([]byte, error) {
			return testLinks.ConsumerList("lkc-1", "billing", []Consumer{consumer, {GroupID: "billing", ConsumerID: "c2", InstanceID: "pod-b", ClientID: "x"}})
		}},
		{name: "consumer", schema: "ConsumerData", body: func() ([]byte, error) { return testLinks.Consumer("lkc-1", consumer) }},
		{name: "assignment_list", schema: "ConsumerAssignmentDataList", body: func() ([]byte, error) {
			return testLinks.ConsumerAssignmentList("lkc-1", "billing", "rdkafka-1",
				[]ConsumerAssignment{{GroupID: "billing", ConsumerID: "rdkafka-1", Topic: "orders", Partition: 0}, assignment})
		}},
		{name: "assignment_list_empty", schema: "ConsumerAssignmentDataList", body: func() ([]byte, error) {
			return testLinks.ConsumerAssignmentList("lkc-1", "billing", "rdkafka-1", nil)
		}},
		{name: "assignment", schema: "ConsumerAssignmentData", body: func() ([]byte, error) { return testLinks.ConsumerAssignment("lkc-1", assignment) }},
		{name: "lag_list", schema: "ConsumerLagDataList", body: func() ([]byte, error) {
			return testLinks.ConsumerLagList("lkc-1", "billing", []ConsumerLag{groupsLag, unassigned})
		}},
		{name: "lag", schema: "ConsumerLagData", body: func() ([]byte, error) { return testLinks.ConsumerLag("lkc-1", unassigned) }},
		{name: "lag_summary", schema: "ConsumerGroupLagSummaryData", body: func() ([]byte, error) {
			return testLinks.LagSummary("lkc-1", LagSummary{Max: groupsLag, TotalLag: 23})
		}},
	}
}

func TestGroups_RenderMatchesConfluentSpec(t *testing.T) {
	spec := loadSpec(t)
	for _, r := range groupsRendered() {
		t.Run(r.name, func(t *testing.T) {
			body, err := r.body()
			if err != nil {
				t.Fatal(err)
			}
			if err := spec.Check(r.schema, body); err != nil {
				t.Errorf("%v\n%s", err, body)
			}
		})
	}
}

func TestGroups_RenderLagSummary(t *testing.T) {
	body, err := testLinks.LagSummary("lkc-1", LagSummary{Max: groupsLag, TotalLag: 23})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	base := "https://gw.example.com:8443/kafka/v3/clusters/lkc-1"
	want := map[string]any{
		"kind": "KafkaConsumerGroupLagSummary",
		"metadata": map[string]any{
			"self":          base + "/consumer-groups/billing/lag-summary",
			"resource_name": "crn:///kafka=lkc-1/consumer-group=billing/lag-summary",
		},
		"cluster_id": "lkc-1", "consumer_group_id": "billing",
		"max_lag_consumer_id": "rdkafka-1", "max_lag_instance_id": "pod-a", "max_lag_client_id": "billing-app",
		"max_lag_topic_name": "orders", "max_lag_partition_id": 1.0, "max_lag": 20.0, "total_lag": 23.0,
		"max_lag_consumer":  map[string]any{"related": base + "/consumer-groups/billing/consumers/rdkafka-1"},
		"max_lag_partition": map[string]any{"related": base + "/topics/orders/partitions/1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestGroups_RenderAssignment(t *testing.T) {
	body, err := testLinks.ConsumerAssignment("lkc-1", ConsumerAssignment{GroupID: "billing", ConsumerID: "rdkafka-1", Topic: "orders", Partition: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	base := "https://gw.example.com:8443/kafka/v3/clusters/lkc-1"
	want := map[string]any{
		"kind": "KafkaConsumerAssignment",
		"metadata": map[string]any{
			"self":          base + "/consumer-groups/billing/consumers/rdkafka-1/assignments/orders/partitions/1",
			"resource_name": "crn:///kafka=lkc-1/consumer-group=billing/consumer=rdkafka-1/assignment=orders/partition=1",
		},
		"cluster_id": "lkc-1", "consumer_group_id": "billing", "consumer_id": "rdkafka-1",
		"topic_name": "orders", "partition_id": 1.0,
		"partition": map[string]any{"related": base + "/topics/orders/partitions/1"},
		"lag":       map[string]any{"related": base + "/consumer-groups/billing/lags/orders/partitions/1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	list, err := testLinks.ConsumerAssignmentList("lkc-1", "billing", "rdkafka-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantList := `{"kind":"KafkaConsumerAssignmentList","metadata":{"self":"` + base + `/consumer-groups/billing/consumers/rdkafka-1/assignments","next":null},"data":[]}`
	if string(list) != wantList {
		t.Errorf("got  %s\nwant %s", list, wantList)
	}
}

func TestGroups_RenderOffsets(t *testing.T) {
	body, err := testLinks.GroupOffsets("lkc-1", "billing", "orders", []GroupOffset{{Partition: 0, Offset: 12, Metadata: "m"}, {Partition: 2, Offset: 0}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"KafkaConsumerGroupOffsets","metadata":{"self":"https://gw.example.com:8443/kafka/v3/clusters/lkc-1/consumer-groups/billing/offsets/orders"},` +
		`"cluster_id":"lkc-1","consumer_group_id":"billing","topic_name":"orders",` +
		`"data":[{"partition_id":0,"offset":12,"metadata":"m"},{"partition_id":2,"offset":0,"metadata":""}]}`
	if string(body) != want {
		t.Errorf("got  %s\nwant %s", body, want)
	}
	empty, _ := testLinks.GroupOffsets("lkc-1", "g", "t", nil)
	if !strings.Contains(string(empty), `"data":[]`) {
		t.Errorf("no offsets must render an empty array: %s", empty)
	}
}

func TestGroups_ParseCommitOffsets(t *testing.T) {
	got, err := ParseCommitOffsets([]byte(`{"offsets":[{"partition_id":2,"offset":0,"metadata":"m"},{"partition_id":0,"offset":12,"metadata":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]GroupOffset{{Partition: 2, Offset: 0, Metadata: "m"}, {Partition: 0, Offset: 12}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ name, body, message string }{
		{"empty body", "  ", "Request body is empty"},
		{"no offsets", `{"offsets":[]}`, "at least one"},
		{"offsets null", `{"offsets":null}`, "at least one"},
		{"not an object", `[1]`, "Bad Request: the body must be a JSON object, got an array"},
		{"offsets not a list", `{"offsets":{}}`, "Bad Request: field offsets must be an array, got an object"},
		{"partition missing", `{"offsets":[{"offset":1}]}`, "offsets[0]: partition_id is required"},
		{"negative partition", `{"offsets":[{"partition_id":-1,"offset":1}]}`, "partition_id must be 0 or more"},
		{"offset missing", `{"offsets":[{"partition_id":0}]}`, "offset is required"},
		{"negative offset", `{"offsets":[{"partition_id":0,"offset":-2}]}`, "offset must be 0 or more, got -2"},
		{"offset not a number", `{"offsets":[{"partition_id":0,"offset":"1"}]}`, "Bad Request: field offsets.offset must be an integer, got a string"},
		{"duplicate", `{"offsets":[{"partition_id":0,"offset":1},{"partition_id":0,"offset":1}]}`, "offsets[1]: partition 0 is already given in offsets[0]"},
		{"unknown fields are ignored, as in every v3 body", `{"offsets":[],"topic":"x"}`, "offsets must list at least one"},
		{"trailing document", `{"offsets":[{"partition_id":0,"offset":1}]}{"offsets":[]}`, "one JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCommitOffsets([]byte(tt.body))
			var e *apierr.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an apierr", err)
			}
			if e.Status >= 500 || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got %d %q, want a client error saying %q", e.Status, e.Message, tt.message)
			}
		})
	}
}
