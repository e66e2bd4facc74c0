package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// groupsFakeState is the fake cluster's consumer groups: descriptions,
// committed offsets by group.
type groupsFakeState struct {
	described map[string]kafka.Group
	offsets   map[string][]kafka.GroupOffset
	commitErr error // CommitGroupOffsets fails with it when set
	readErr   error // GroupOffsets fails with it when set
	commits   int   // successful CommitGroupOffsets calls
}

func (c *fakeCluster) ConsumerGroups(context.Context) ([]kafka.Group, error) {
	out := []kafka.Group{}
	for _, g := range c.groups.described {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (c *fakeCluster) ConsumerGroup(_ context.Context, id string) (kafka.Group, error) {
	g, ok := c.groups.described[id]
	if !ok {
		return kafka.Group{}, ck.NewError(ck.ErrGroupIDNotFound, "consumer group "+id+" is dead or unknown", false)
	}
	return g, nil
}

func (c *fakeCluster) GroupOffsets(_ context.Context, group, topic string) ([]kafka.GroupOffset, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.groups.readErr != nil {
		return nil, c.groups.readErr
	}
	out := []kafka.GroupOffset{}
	for _, o := range c.groups.offsets[group] {
		if topic == "" || o.Topic == topic {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out, nil
}

// CommitGroupOffsets refuses a group with members, as Kafka does.
func (c *fakeCluster) CommitGroupOffsets(_ context.Context, group string, offsets []kafka.GroupOffset) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.groups.commitErr != nil {
		return c.groups.commitErr
	}
	if len(c.groups.described[group].Members) > 0 {
		return ck.NewError(ck.ErrUnknownMemberID, "Broker: Unknown member", false)
	}
	if c.groups.offsets == nil {
		c.groups.offsets = map[string][]kafka.GroupOffset{}
	}
	for _, o := range offsets {
		kept := c.groups.offsets[group][:0]
		for _, old := range c.groups.offsets[group] {
			if old.Topic != o.Topic || old.Partition != o.Partition {
				kept = append(kept, old)
			}
		}
		c.groups.offsets[group] = append(kept, o)
	}
	c.groups.commits++
	return nil
}

func (c *fakeCluster) groupsCommitted(group string) []kafka.GroupOffset {
	out, _ := c.GroupOffsets(context.Background(), group, "")
	return out
}

// groupsEnv is a gateway whose cluster has the group "billing" (stable, one
// member owning orders/0 and orders/1, committed on orders 0-2 and audit 0),
// the empty group "idle" (committed on orders/0) and log ends for all.
func groupsEnv(t *testing.T) *env {
	e := newEnv(t)
	e.cluster.groups = groupsFakeState{
		described: map[string]kafka.Group{
			"billing": {
				ID: "billing", PartitionAssignor: "range", State: "STABLE", Type: "CLASSIC", Coordinator: 1,
				Members: []kafka.GroupMember{{
					ConsumerID: "rdkafka-1", ClientID: "billing-app", InstanceID: "pod-a", Host: "/10.0.0.9",
					Assignment: []kafka.TopicPartition{{Topic: "orders", Partition: 0}, {Topic: "orders", Partition: 1}},
				}},
			},
			"idle": {ID: "idle", State: "EMPTY", Type: "CLASSIC", Coordinator: 1},
		},
		offsets: map[string][]kafka.GroupOffset{
			"billing": {
				{Topic: "orders", Partition: 0, Offset: 10},
				{Topic: "orders", Partition: 1, Offset: 5},
				{Topic: "orders", Partition: 2, Offset: 7},
				{Topic: "audit", Partition: 0, Offset: 3, Metadata: "m"},
			},
			"idle": {{Topic: "orders", Partition: 0, Offset: 1}},
		},
	}
	e.cluster.logs = map[kafka.TopicPartition][2]int64{
		{Topic: "orders", Partition: 0}: {0, 12},
		{Topic: "orders", Partition: 1}: {0, 25},
		{Topic: "orders", Partition: 2}: {0, 7},
		{Topic: "audit", Partition: 0}:  {0, 4},
	}
	return e
}

const groupsBase = "/kafka/v3/clusters/lkc-1/consumer-groups"

func groupsGet(t *testing.T, e *env, path string) (*http.Response, map[string]any) {
	t.Helper()
	resp := e.serve(t, get(groupsBase+path, map[string]string{"authorization": demoAuth}), nil)
	var body map[string]any
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return &http.Response{StatusCode: resp.Status}, body
}

func TestGroups_Describe(t *testing.T) {
	e := groupsEnv(t)
	tests := []struct {
		name   string
		path   string
		status int
		want   map[string]any // top-level fields
		items  []string       // for lists: a field of each item, in order
		field  string
	}{
		{name: "list groups, sorted", path: "", status: 200, want: map[string]any{"kind": "KafkaConsumerGroupList"},
			field: "consumer_group_id", items: []string{"billing", "idle"}},
		{name: "get group", path: "/billing", status: 200, want: map[string]any{
			"kind": "KafkaConsumerGroup", "consumer_group_id": "billing", "state": "STABLE", "type": "CLASSIC",
			"partition_assignor": "range", "is_simple": false,
			"coordinator": map[string]any{"related": "https://gw.example.com/kafka/v3/clusters/lkc-1/brokers/1"},
			"lag_summary": map[string]any{"related": "https://gw.example.com" + groupsBase + "/billing/lag-summary"},
		}},
		{name: "unknown group", path: "/nobody", status: 404, want: map[string]any{"error_code": 40405.0}},
		{name: "consumers", path: "/billing/consumers", status: 200, want: map[string]any{"kind": "KafkaConsumerList"},
			field: "client_id", items: []string{"billing-app"}},
		{name: "consumers of an empty group", path: "/idle/consumers", status: 200, field: "client_id", items: []string{}},
		{name: "consumer", path: "/billing/consumers/rdkafka-1", status: 200, want: map[string]any{
			"kind": "KafkaConsumer", "consumer_id": "rdkafka-1", "instance_id": "pod-a", "client_id": "billing-app",
		}},
		{name: "unknown consumer", path: "/billing/consumers/rdkafka-2", status: 404, want: map[string]any{"error_code": 40403.0}},
		{name: "consumers of an unknown group", path: "/nobody/consumers", status: 404, want: map[string]any{"error_code": 40405.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := groupsGet(t, e, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tt.status, body)
			}
			for k, want := range tt.want {
				if diff := cmp.Diff(want, body[k]); diff != "" {
					t.Errorf("field %s (-want +got):\n%s", k, diff)
				}
			}
			if tt.items != nil {
				got := []string{}
				for _, it := range body["data"].([]any) {
					got = append(got, it.(map[string]any)[tt.field].(string))
				}
				if diff := cmp.Diff(tt.items, got); diff != "" {
					t.Errorf("items (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestGroups_Lags(t *testing.T) {
	e := groupsEnv(t)
	_, body := groupsGet(t, e, "/billing/lags")
	type lag struct {
		Topic                string
		Partition            float64
		Current, End, Lag    float64
		Consumer, Client, ID any
	}
	var got []lag
	for _, it := range body["data"].([]any) {
		m := it.(map[string]any)
		got = append(got, lag{m["topic_name"].(string), m["partition_id"].(float64), m["current_offset"].(float64),
			m["log_end_offset"].(float64), m["lag"].(float64), m["consumer_id"], m["client_id"], m["instance_id"]})
	}
	want := []lag{
		{"audit", 0, 3, 4, 1, "", "", nil},
		{"orders", 0, 10, 12, 2, "rdkafka-1", "billing-app", "pod-a"},
		{"orders", 1, 5, 25, 20, "rdkafka-1", "billing-app", "pod-a"},
		{"orders", 2, 7, 7, 0, "", "", nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lags (-want +got):\n%s", diff)
	}

	_, sum := groupsGet(t, e, "/billing/lag-summary")
	for k, v := range map[string]any{
		"kind": "KafkaConsumerGroupLagSummary", "max_lag": 20.0, "total_lag": 23.0, "max_lag_topic_name": "orders",
		"max_lag_partition_id": 1.0, "max_lag_consumer_id": "rdkafka-1", "max_lag_client_id": "billing-app",
		"max_lag_partition": map[string]any{"related": "https://gw.example.com/kafka/v3/clusters/lkc-1/topics/orders/partitions/1"},
	} {
		if diff := cmp.Diff(v, sum[k]); diff != "" {
			t.Errorf("summary %s (-want +got):\n%s", k, diff)
		}
	}

	resp, one := groupsGet(t, e, "/billing/lags/orders/partitions/1")
	if resp.StatusCode != 200 || one["lag"] != 20.0 || one["kind"] != "KafkaConsumerLag" {
		t.Errorf("get lag: %d %v", resp.StatusCode, one)
	}
	for _, tt := range []struct{ name, path string }{
		{"no commit on the partition", "/billing/lags/orders/partitions/5"},
		{"no commit on the topic", "/idle/lags/audit/partitions/0"},
		{"summary of a group without commits", "/fresh/lag-summary"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "summary of a group without commits" {
				e.cluster.groups.described["fresh"] = kafka.Group{ID: "fresh", State: "EMPTY"}
			}
			resp, body := groupsGet(t, e, tt.path)
			if resp.StatusCode != 404 || body["error_code"] != 40403.0 {
				t.Errorf("got %d %v, want 404/40403", resp.StatusCode, body)
			}
		})
	}
}

func TestGroups_LagOfATopicNeedsTopicDescribe(t *testing.T) {
	e := groupsEnv(t)
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.Type != kafkarest.ResourceTopic}
	}
	resp, body := groupsGet(t, e, "/billing/lags/orders/partitions/0")
	if resp.StatusCode != 403 {
		t.Fatalf("status %d: %v", resp.StatusCode, body)
	}
	seen := e.policy.seen()
	if last := seen[len(seen)-1]; last.Operation != "DESCRIBE" || last.Resource.Name != "orders" || last.Group != "billing" {
		t.Errorf("topic decision input: %+v", last)
	}
}

func TestGroups_GetOffsets(t *testing.T) {
	e := groupsEnv(t)
	_, body := groupsGet(t, e, "/billing/offsets/orders")
	want := map[string]any{
		"kind":              "KafkaConsumerGroupOffsets",
		"metadata":          map[string]any{"self": "https://gw.example.com" + groupsBase + "/billing/offsets/orders"},
		"cluster_id":        "lkc-1",
		"consumer_group_id": "billing",
		"topic_name":        "orders",
		"data": []any{
			map[string]any{"partition_id": 0.0, "offset": 10.0, "metadata": ""},
			map[string]any{"partition_id": 1.0, "offset": 5.0, "metadata": ""},
			map[string]any{"partition_id": 2.0, "offset": 7.0, "metadata": ""},
		},
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if _, body := groupsGet(t, e, "/nobody/offsets/orders"); len(body["data"].([]any)) != 0 {
		t.Errorf("a group that never committed: %v", body)
	}
	if resp, body := groupsGet(t, e, "/billing/offsets/nosuch"); resp.StatusCode != 404 || body["error_code"] != 40403.0 {
		t.Errorf("unknown topic: %d %v", resp.StatusCode, body)
	}
}

func groupsPost(t *testing.T, e *env, path, contentType, body string) (int, map[string]any) {
	t.Helper()
	req := post(groupsBase+path, map[string]string{"authorization": demoAuth, "content-type": contentType})
	resp := e.serve(t, req, []byte(body))
	var out map[string]any
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.Status, out
}

func TestGroups_CommitOffsets(t *testing.T) {
	e := groupsEnv(t)
	status, body := groupsPost(t, e, "/idle/offsets/orders", "application/json",
		`{"offsets":[{"partition_id":2,"offset":7,"metadata":"batch-9"},{"partition_id":0,"offset":12}]}`)
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	wantData := []any{
		map[string]any{"partition_id": 0.0, "offset": 12.0, "metadata": ""},
		map[string]any{"partition_id": 2.0, "offset": 7.0, "metadata": "batch-9"},
	}
	if diff := cmp.Diff(wantData, body["data"]); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	want := []kafka.GroupOffset{{Topic: "orders", Partition: 0, Offset: 12}, {Topic: "orders", Partition: 2, Offset: 7, Metadata: "batch-9"}}
	if diff := cmp.Diff(want, e.cluster.groupsCommitted("idle")); diff != "" {
		t.Errorf("committed (-want +got):\n%s", diff)
	}
	// The topic decision is READ on the topic, after the route's on the group.
	seen := e.policy.seen()
	if len(seen) != 2 || seen[0].Resource.Type != "GROUP" || seen[0].Operation != "READ" ||
		seen[1].Resource != (policy.Resource{Type: "TOPIC", Name: "orders"}) || seen[1].Operation != "READ" {
		t.Errorf("decisions: %+v %+v", seen[0], seen[len(seen)-1])
	}
}

// A commit that succeeded answers 200 even when reading the offsets back
// fails: with the committed entries, in partition order.
func TestGroups_CommitOffsetsAnswersWhenTheReadBackFails(t *testing.T) {
	e := groupsEnv(t)
	e.cluster.groups.readErr = ck.NewError(ck.ErrCoordinatorLoadInProgress, "Broker: Coordinator load in progress", false)
	status, body := groupsPost(t, e, "/idle/offsets/orders", "application/json",
		`{"offsets":[{"partition_id":2,"offset":7,"metadata":"batch-9"},{"partition_id":0,"offset":12}]}`)
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	wantData := []any{
		map[string]any{"partition_id": 0.0, "offset": 12.0, "metadata": ""},
		map[string]any{"partition_id": 2.0, "offset": 7.0, "metadata": "batch-9"},
	}
	if diff := cmp.Diff(wantData, body["data"]); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if e.cluster.groups.commits != 1 {
		t.Errorf("%d commits, want 1", e.cluster.groups.commits)
	}
}

func TestGroups_CommitOffsetsRefusesBadInput(t *testing.T) {
	tests := []struct {
		name        string
		path        string // under /consumer-groups
		contentType string
		body        string
		status      int
		code        int
		message     string // a part of the message
	}{
		{name: "no offsets", body: `{"offsets":[]}`, status: 400, code: 400, message: "at least one"},
		{name: "offsets missing", body: `{}`, status: 400, code: 400, message: "at least one"},
		{name: "negative offset", body: `{"offsets":[{"partition_id":0,"offset":-1}]}`, status: 400, code: 400, message: "offset must be 0 or more"},
		{name: "offset missing", body: `{"offsets":[{"partition_id":0}]}`, status: 400, code: 400, message: "offset is required"},
		{name: "partition twice", body: `{"offsets":[{"partition_id":1,"offset":1},{"partition_id":1,"offset":2}]}`, status: 400, code: 400, message: "partition 1 is already given in offsets[0]"},
		{name: "unknown fields are ignored", body: `{"offsets":[{"partition":0,"offset":1}]}`, status: 400, code: 400, message: "offsets[0]: partition_id is required"},
		{name: "not JSON", body: `{"offsets":`, status: 400, code: 400, message: "Bad Request: the body is not valid JSON"},
		{name: "two documents", body: `{"offsets":[{"partition_id":0,"offset":1}]} {}`, status: 400, code: 400, message: "one JSON object"},
		{name: "unknown partition", body: `{"offsets":[{"partition_id":0,"offset":1},{"partition_id":7,"offset":1}]}`, status: 404, code: 40403, message: "orders has no partition 7 (it has 3), asked for by offsets[1]"},
		{name: "beyond the high watermark", body: `{"offsets":[{"partition_id":0,"offset":1},{"partition_id":1,"offset":26}]}`, status: 400, code: 400, message: "high watermark is 25"},
		{name: "wrong content type", contentType: "text/plain", body: `{"offsets":[{"partition_id":0,"offset":1}]}`, status: 415, code: 415},
		{name: "unknown topic", path: "/idle/offsets/nosuch", body: `{"offsets":[{"partition_id":0,"offset":1}]}`, status: 404, code: 40403},
		{name: "group with an active member", path: "/billing/offsets/orders", body: `{"offsets":[{"partition_id":0,"offset":1}]}`, status: 409, code: 40903, message: "active members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := groupsEnv(t)
			before := map[string][]kafka.GroupOffset{"idle": e.cluster.groupsCommitted("idle"), "billing": e.cluster.groupsCommitted("billing")}
			path, ct := tt.path, tt.contentType
			if path == "" {
				path = "/idle/offsets/orders"
			}
			if ct == "" {
				ct = "application/json"
			}
			status, body := groupsPost(t, e, path, ct, tt.body)
			if status != tt.status || body["error_code"] != float64(tt.code) {
				t.Fatalf("got %d %v, want %d/%d", status, body, tt.status, tt.code)
			}
			if msg, _ := body["message"].(string); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not say %q", msg, tt.message)
			}
			after := map[string][]kafka.GroupOffset{"idle": e.cluster.groupsCommitted("idle"), "billing": e.cluster.groupsCommitted("billing")}
			if diff := cmp.Diff(before, after); diff != "" || e.cluster.groups.commits != 0 {
				t.Errorf("a refused commit changed offsets (-before +after):\n%s", diff)
			}
		})
	}
}

func TestGroups_OffsetsNeedTopicPermission(t *testing.T) {
	e := groupsEnv(t)
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.Type != kafkarest.ResourceTopic, Reason: "no topic"}
	}
	if status, body := groupsPost(t, e, "/idle/offsets/orders", "application/json", `{"offsets":[{"partition_id":0,"offset":1}]}`); status != 403 {
		t.Errorf("commit: %d %v", status, body)
	}
	if resp, body := groupsGet(t, e, "/idle/offsets/orders"); resp.StatusCode != 403 {
		t.Errorf("get: %d %v", resp.StatusCode, body)
	}
	if e.cluster.groups.commits != 0 {
		t.Errorf("a denied commit committed")
	}
}

func TestGroups_Assignments(t *testing.T) {
	specV3, _ := adminSpecs(t)
	e := groupsEnv(t)
	// Kafka gives a member's partitions in no particular order.
	g := e.cluster.groups.described["billing"]
	g.Members[0].Assignment = []kafka.TopicPartition{{Topic: "orders", Partition: 1}, {Topic: "audit", Partition: 0}, {Topic: "orders", Partition: 0}}
	e.cluster.groups.described["billing"] = g
	const consumer = groupsBase + "/billing/consumers/rdkafka-1"

	resp := e.serve(t, get(consumer+"/assignments", map[string]string{"authorization": demoAuth}), nil)
	if resp.Status != 200 {
		t.Fatalf("list: %d %s", resp.Status, resp.Body)
	}
	if err := specV3.Check("ConsumerAssignmentDataList", resp.Body); err != nil {
		t.Errorf("list: %v\n%s", err, resp.Body)
	}
	var list struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Self string `json:"self"`
		} `json:"metadata"`
		Data []struct {
			Topic     string `json:"topic_name"`
			Partition int32  `json:"partition_id"`
			Consumer  string `json:"consumer_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Kind != "KafkaConsumerAssignmentList" || list.Metadata.Self != "https://gw.example.com"+consumer+"/assignments" {
		t.Errorf("list: %s", resp.Body)
	}
	var got []string
	for _, a := range list.Data {
		got = append(got, a.Consumer+" "+a.Topic+"/"+strconv.Itoa(int(a.Partition)))
	}
	if diff := cmp.Diff([]string{"rdkafka-1 audit/0", "rdkafka-1 orders/0", "rdkafka-1 orders/1"}, got); diff != "" {
		t.Errorf("assignments, sorted by topic and partition (-want +got):\n%s", diff)
	}

	resp = e.serve(t, get(consumer+"/assignments/orders/partitions/1", map[string]string{"authorization": demoAuth}), nil)
	if resp.Status != 200 {
		t.Fatalf("get: %d %s", resp.Status, resp.Body)
	}
	if err := specV3.Check("ConsumerAssignmentData", resp.Body); err != nil {
		t.Errorf("get: %v\n%s", err, resp.Body)
	}
	var one map[string]any
	if err := json.Unmarshal(resp.Body, &one); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"kind": "KafkaConsumerAssignment", "consumer_group_id": "billing", "consumer_id": "rdkafka-1",
		"topic_name": "orders", "partition_id": 1.0,
		"partition": map[string]any{"related": "https://gw.example.com/kafka/v3/clusters/lkc-1/topics/orders/partitions/1"},
		"lag":       map[string]any{"related": "https://gw.example.com" + groupsBase + "/billing/lags/orders/partitions/1"},
	} {
		if diff := cmp.Diff(v, one[k]); diff != "" {
			t.Errorf("get %s (-want +got):\n%s", k, diff)
		}
	}

	_, empty := groupsGet(t, e, "/idle/consumers/x/assignments")
	if empty["error_code"] != 40403.0 {
		t.Errorf("a consumer of an empty group: %v", empty)
	}
	for _, tt := range []struct {
		name, path string
		code       float64
	}{
		{"partition not assigned", "/billing/consumers/rdkafka-1/assignments/orders/partitions/2", 40403},
		{"topic not assigned", "/billing/consumers/rdkafka-1/assignments/payments/partitions/0", 40403},
		{"unknown consumer", "/billing/consumers/rdkafka-2/assignments", 40403},
		{"unknown consumer, one partition", "/billing/consumers/rdkafka-2/assignments/orders/partitions/0", 40403},
		{"unknown group", "/nobody/consumers/rdkafka-1/assignments", 40405},
		{"unknown group, one partition", "/nobody/consumers/rdkafka-1/assignments/orders/partitions/0", 40405},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := groupsGet(t, e, tt.path)
			if resp.StatusCode != 404 || body["error_code"] != tt.code {
				t.Errorf("got %d %v, want 404/%v", resp.StatusCode, body, tt.code)
			}
		})
	}
}

// The assignment of one partition needs DESCRIBE on its topic as well as on
// the group; the list is decided on the group alone.
func TestGroups_AssignmentOfATopicNeedsTopicDescribe(t *testing.T) {
	e := groupsEnv(t)
	e.policy.decide = func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Resource.Type != kafkarest.ResourceTopic}
	}
	resp, body := groupsGet(t, e, "/billing/consumers/rdkafka-1/assignments/orders/partitions/0")
	if resp.StatusCode != 403 {
		t.Fatalf("status %d: %v", resp.StatusCode, body)
	}
	seen := e.policy.seen()
	if last := seen[len(seen)-1]; last.Operation != "DESCRIBE" || last.Resource.Name != "orders" || last.Group != "billing" || last.Action != "get_consumer_assignment" {
		t.Errorf("topic decision input: %+v", last)
	}
	if resp, body := groupsGet(t, e, "/billing/consumers/rdkafka-1/assignments"); resp.StatusCode != 200 {
		t.Errorf("list: %d %v", resp.StatusCode, body)
	}
}
