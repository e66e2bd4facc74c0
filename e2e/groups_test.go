package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/e2e/stack"
)

// groupsProduce writes n records to one partition through the gateway's
// v3 produce.
func groupsProduce(t *testing.T, topic string, partition int32, n int) {
	t.Helper()
	var body strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&body, `{"partition_id":%d,"value":{"type":"STRING","data":"record-%d"}}`, partition, i)
	}
	for _, r := range results(t, produce(t, topic, body.String())) {
		if r.ErrorCode != 200 {
			t.Fatalf("record not produced: %+v", r)
		}
	}
}

// groupsCommitted reads a group's committed offsets on a topic with a Kafka
// admin client: partition -> offset "@" metadata.
func groupsCommitted(t *testing.T, group, topic string) map[int32]string {
	t.Helper()
	a, err := ck.NewAdminClient(&ck.ConfigMap{"bootstrap.servers": st.Bootstrap, "log_level": 0})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.ListConsumerGroupOffsets(ctx, []ck.ConsumerGroupTopicPartitions{{Group: group}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]string{}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if *tp.Topic != topic || tp.Offset < 0 {
				continue
			}
			md := ""
			if tp.Metadata != nil {
				md = *tp.Metadata
			}
			out[tp.Partition] = fmt.Sprintf("%d@%s", tp.Offset, md)
		}
	}
	return out
}

// groupsMember joins group with a real consumer subscribed to topic, waits
// for its assignment, commits the given offsets and stays in the group
// until the test ends.
func groupsMember(t *testing.T, group, clientID, topic string, commit map[int32]int64) *ck.Consumer {
	t.Helper()
	c, err := ck.NewConsumer(&ck.ConfigMap{
		"bootstrap.servers": st.Bootstrap, "group.id": group, "client.id": clientID,
		"enable.auto.commit": false, "auto.offset.reset": "earliest", "log_level": 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Subscribe(topic, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		c.Poll(100)
		if as, _ := c.Assignment(); len(as) == len(commit) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer of %s got no assignment", group)
		}
	}
	var tps []ck.TopicPartition
	for p, o := range commit {
		tps = append(tps, ck.TopicPartition{Topic: &topic, Partition: p, Offset: ck.Offset(o)})
	}
	if _, err := c.CommitOffsets(tps); err != nil {
		t.Fatal(err)
	}
	return c
}

type groupsLagBody struct {
	TopicName     string  `json:"topic_name"`
	PartitionID   int32   `json:"partition_id"`
	CurrentOffset int64   `json:"current_offset"`
	LogEndOffset  int64   `json:"log_end_offset"`
	Lag           int64   `json:"lag"`
	ConsumerID    string  `json:"consumer_id"`
	InstanceID    *string `json:"instance_id"`
	ClientID      string  `json:"client_id"`
}

type groupsOffsetsBody struct {
	Kind            string `json:"kind"`
	ClusterID       string `json:"cluster_id"`
	ConsumerGroupID string `json:"consumer_group_id"`
	TopicName       string `json:"topic_name"`
	Data            []struct {
		PartitionID int32  `json:"partition_id"`
		Offset      int64  `json:"offset"`
		Metadata    string `json:"metadata"`
	} `json:"data"`
}

// TestGroups_LiveGroup checks every read endpoint against a real consumer
// that joined, committed 4 of 10 records on partition 0 and all 6 on 1.
func TestGroups_LiveGroup(t *testing.T) {
	const topic, group, client = "groups-lag", "groups-live", "groups-e2e-client"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2})
	groupsProduce(t, topic, 0, 10)
	groupsProduce(t, topic, 1, 6)
	groupsMember(t, group, client, topic, map[int32]int64{0: 4, 1: 6})
	base := "/consumer-groups/" + group

	var list struct {
		Data []struct {
			ID    string `json:"consumer_group_id"`
			State string `json:"state"`
		} `json:"data"`
	}
	decodeAs(t, as(t, "reader", "GET", v3("/consumer-groups"), "", ""), 200, v3spec, "ConsumerGroupDataList", &list)
	found := false
	for _, g := range list.Data {
		found = found || (g.ID == group && g.State == "STABLE")
	}
	if !found {
		t.Errorf("the list does not show %s as STABLE: %+v", group, list.Data)
	}

	var g struct {
		ID        string `json:"consumer_group_id"`
		State     string `json:"state"`
		Type      string `json:"type"`
		Assignor  string `json:"partition_assignor"`
		Consumers struct {
			Related string `json:"related"`
		} `json:"consumers"`
	}
	decodeAs(t, as(t, "reader", "GET", v3(base), "", ""), 200, v3spec, "ConsumerGroupData", &g)
	if g.ID != group || g.State != "STABLE" || g.Type != "CLASSIC" || g.Assignor == "" || !strings.HasSuffix(g.Consumers.Related, base+"/consumers") {
		t.Errorf("group: %+v", g)
	}

	var consumers struct {
		Data []struct {
			ConsumerID string `json:"consumer_id"`
			ClientID   string `json:"client_id"`
		} `json:"data"`
	}
	decodeAs(t, as(t, "reader", "GET", v3(base+"/consumers"), "", ""), 200, v3spec, "ConsumerDataList", &consumers)
	if len(consumers.Data) != 1 || consumers.Data[0].ClientID != client {
		t.Fatalf("consumers: %+v", consumers.Data)
	}
	member := consumers.Data[0].ConsumerID
	var one struct {
		ConsumerID string `json:"consumer_id"`
		ClientID   string `json:"client_id"`
	}
	decodeAs(t, as(t, "reader", "GET", v3(base+"/consumers/"+member), "", ""), 200, v3spec, "ConsumerData", &one)
	if one.ConsumerID != member || one.ClientID != client {
		t.Errorf("consumer: %+v", one)
	}
	wantError(t, as(t, "reader", "GET", v3(base+"/consumers/nobody"), "", ""), 404, 40403)

	// The member subscribed alone, so it was assigned both partitions.
	type assignment struct {
		ConsumerID string `json:"consumer_id"`
		TopicName  string `json:"topic_name"`
		Partition  int32  `json:"partition_id"`
		PartLink   struct {
			Related string `json:"related"`
		} `json:"partition"`
		LagLink struct {
			Related string `json:"related"`
		} `json:"lag"`
	}
	var assigned struct {
		Kind string       `json:"kind"`
		Data []assignment `json:"data"`
	}
	decodeAs(t, as(t, "reader", "GET", v3(base+"/consumers/"+member+"/assignments"), "", ""), 200, v3spec, "ConsumerAssignmentDataList", &assigned)
	var parts []string
	for _, a := range assigned.Data {
		parts = append(parts, fmt.Sprintf("%s %s/%d", a.ConsumerID, a.TopicName, a.Partition))
	}
	if diff := cmp.Diff([]string{member + " " + topic + "/0", member + " " + topic + "/1"}, parts); assigned.Kind != "KafkaConsumerAssignmentList" || diff != "" {
		t.Errorf("assignments of %s, kind %s (-want +got):\n%s", member, assigned.Kind, diff)
	}
	var a assignment
	decodeAs(t, as(t, "reader", "GET", v3(base+"/consumers/"+member+"/assignments/"+topic+"/partitions/1"), "", ""), 200, v3spec, "ConsumerAssignmentData", &a)
	if a.ConsumerID != member || a.TopicName != topic || a.Partition != 1 ||
		!strings.HasSuffix(a.PartLink.Related, "/topics/"+topic+"/partitions/1") ||
		!strings.HasSuffix(a.LagLink.Related, base+"/lags/"+topic+"/partitions/1") {
		t.Errorf("assignment of partition 1: %+v", a)
	}
	wantError(t, as(t, "reader", "GET", v3(base+"/consumers/"+member+"/assignments/"+topic+"/partitions/5"), "", ""), 404, 40403)
	wantError(t, as(t, "reader", "GET", v3(base+"/consumers/nobody/assignments"), "", ""), 404, 40403)

	var lags struct {
		Data []groupsLagBody `json:"data"`
	}
	decodeAs(t, as(t, "reader", "GET", v3(base+"/lags"), "", ""), 200, v3spec, "ConsumerLagDataList", &lags)
	want := []groupsLagBody{
		{TopicName: topic, PartitionID: 0, CurrentOffset: 4, LogEndOffset: 10, Lag: 6, ConsumerID: member, ClientID: client},
		{TopicName: topic, PartitionID: 1, CurrentOffset: 6, LogEndOffset: 6, Lag: 0, ConsumerID: member, ClientID: client},
	}
	if diff := cmp.Diff(want, lags.Data); diff != "" {
		t.Errorf("lags (-want +got):\n%s", diff)
	}
	var lag groupsLagBody
	decodeAs(t, as(t, "reader", "GET", v3(base+"/lags/"+topic+"/partitions/0"), "", ""), 200, v3spec, "ConsumerLagData", &lag)
	if diff := cmp.Diff(want[0], lag); diff != "" {
		t.Errorf("lag of partition 0 (-want +got):\n%s", diff)
	}
	var sum struct {
		MaxLag      int64  `json:"max_lag"`
		TotalLag    int64  `json:"total_lag"`
		Topic       string `json:"max_lag_topic_name"`
		Partition   int32  `json:"max_lag_partition_id"`
		ConsumerID  string `json:"max_lag_consumer_id"`
		ClientID    string `json:"max_lag_client_id"`
		MaxConsumer struct {
			Related string `json:"related"`
		} `json:"max_lag_consumer"`
	}
	decodeAs(t, as(t, "reader", "GET", v3(base+"/lag-summary"), "", ""), 200, v3spec, "ConsumerGroupLagSummaryData", &sum)
	if sum.MaxLag != 6 || sum.TotalLag != 6 || sum.Topic != topic || sum.Partition != 0 || sum.ConsumerID != member ||
		sum.ClientID != client || !strings.HasSuffix(sum.MaxConsumer.Related, base+"/consumers/"+member) {
		t.Errorf("lag summary: %+v", sum)
	}

	var offs groupsOffsetsBody
	decodeAs(t, as(t, "reader", "GET", v3(base+"/offsets/"+topic), "", ""), 200, nil, "", &offs)
	if offs.Kind != "KafkaConsumerGroupOffsets" || offs.ClusterID != st.ClusterID || offs.ConsumerGroupID != group || offs.TopicName != topic ||
		len(offs.Data) != 2 || offs.Data[0].Offset != 4 || offs.Data[1].Offset != 6 {
		t.Errorf("offsets: %+v", offs)
	}

	// Kafka refuses a commit from outside a group with a member.
	before := groupsCommitted(t, group, topic)
	e := wantError(t, as(t, "admin", "POST", v3(base+"/offsets/"+topic), "application/json", `{"offsets":[{"partition_id":0,"offset":1}]}`), 409, 40903)
	if !strings.Contains(e.Message, "active members") {
		t.Errorf("409 message: %s", e.Message)
	}
	if after := groupsCommitted(t, group, topic); !cmp.Equal(before, after) {
		t.Errorf("a refused commit changed the offsets: %v -> %v", before, after)
	}
	if before[0] != "4@" || before[1] != "6@" {
		t.Errorf("committed offsets in Kafka: %v", before)
	}

	// Asked once the group coordinator is up: before, Kafka answers
	// "coordinator not available", a 503.
	t.Run("unknown group", func(t *testing.T) {
		for _, path := range []string{"", "/consumers", "/lags", "/lag-summary", "/consumers/x", "/consumers/x/assignments", "/consumers/x/assignments/orders/partitions/0"} {
			wantError(t, as(t, "reader", "GET", v3("/consumer-groups/groups-nobody"+path), "", ""), 404, 40405)
		}
		var offs groupsOffsetsBody
		decodeAs(t, as(t, "reader", "GET", v3("/consumer-groups/groups-nobody/offsets/orders"), "", ""), 200, nil, "", &offs)
		if offs.Data == nil || len(offs.Data) != 0 {
			t.Errorf("a group that never committed has no offsets: %+v", offs)
		}
	})
}

// TestGroups_StatelessCommit commits for an empty group through the gateway
// and reads the result back from Kafka; bad requests change nothing.
func TestGroups_StatelessCommit(t *testing.T) {
	const topic, group = "groups-commit", "groups-stateless"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2})
	groupsProduce(t, topic, 0, 5)
	groupsProduce(t, topic, 1, 3)
	path := v3("/consumer-groups/" + group + "/offsets/" + topic)

	var offs groupsOffsetsBody
	decodeAs(t, as(t, "admin", "POST", path, "application/json",
		`{"offsets":[{"partition_id":1,"offset":3},{"partition_id":0,"offset":2,"metadata":"batch-7"}]}`), 200, nil, "", &offs)
	got, _ := json.Marshal(offs.Data)
	if string(got) != `[{"partition_id":0,"offset":2,"metadata":"batch-7"},{"partition_id":1,"offset":3,"metadata":""}]` {
		t.Errorf("answer: %s", got)
	}
	want := map[int32]string{0: "2@batch-7", 1: "3@"}
	if diff := cmp.Diff(want, groupsCommitted(t, group, topic)); diff != "" {
		t.Fatalf("committed in Kafka (-want +got):\n%s", diff)
	}
	var again groupsOffsetsBody
	decodeAs(t, as(t, "reader", "GET", path, "", ""), 200, nil, "", &again)
	if !cmp.Equal(offs, again) {
		t.Errorf("GET after POST: %+v, want %+v", again, offs)
	}
	// The group now shows up as an empty group with lag.
	var lag groupsLagBody
	decodeAs(t, as(t, "reader", "GET", v3("/consumer-groups/"+group+"/lags/"+topic+"/partitions/0"), "", ""), 200, v3spec, "ConsumerLagData", &lag)
	if lag.CurrentOffset != 2 || lag.LogEndOffset != 5 || lag.Lag != 3 || lag.ConsumerID != "" {
		t.Errorf("lag after a stateless commit: %+v", lag)
	}

	bad := []struct {
		name, user, path, contentType, body string
		status, code                        int
	}{
		{"beyond the high watermark", "admin", path, "application/json", `{"offsets":[{"partition_id":1,"offset":0},{"partition_id":0,"offset":6}]}`, 400, 400},
		{"unknown partition", "admin", path, "application/json", `{"offsets":[{"partition_id":0,"offset":0},{"partition_id":2,"offset":0}]}`, 404, 40403},
		{"negative offset", "admin", path, "application/json", `{"offsets":[{"partition_id":0,"offset":-1}]}`, 400, 400},
		{"partition twice", "admin", path, "application/json", `{"offsets":[{"partition_id":0,"offset":0},{"partition_id":0,"offset":1}]}`, 400, 400},
		{"no offsets", "admin", path, "application/json", `{"offsets":[]}`, 400, 400},
		{"not JSON", "admin", path, "application/json", `{"offsets":[`, 400, 400},
		{"wrong content type", "admin", path, "text/plain", `{"offsets":[{"partition_id":0,"offset":0}]}`, 415, 415},
		{"empty body", "admin", path, "application/json", ``, 422, 422},
		{"reader may not commit", "reader", path, "application/json", `{"offsets":[{"partition_id":0,"offset":0}]}`, 403, 40301},
		{"unknown topic", "admin", v3("/consumer-groups/" + group + "/offsets/groups-nosuch"), "application/json", `{"offsets":[{"partition_id":0,"offset":0}]}`, 404, 40403},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, as(t, tt.user, "POST", tt.path, tt.contentType, tt.body), tt.status, tt.code)
			if diff := cmp.Diff(want, groupsCommitted(t, group, topic)); diff != "" {
				t.Errorf("a refused commit changed Kafka (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("the topic needs its own permission", func(t *testing.T) {
		// admin may use the group, not the topic "forbidden".
		wantError(t, as(t, "admin", "POST", v3("/consumer-groups/groups-other/offsets/forbidden"), "application/json", `{"offsets":[{"partition_id":0,"offset":0}]}`), 403, 40301)
		wantError(t, as(t, "admin", "GET", v3("/consumer-groups/groups-other/offsets/forbidden"), "", ""), 403, 40301)
		if got := groupsCommitted(t, "groups-other", "forbidden"); len(got) != 0 {
			t.Errorf("a denied commit committed: %v", got)
		}
	})
}
