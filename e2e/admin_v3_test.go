package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/e2e/stack"
)

// adminKafka is an admin client straight to Kafka, to check what the
// gateway's admin calls changed.
func adminKafka(t *testing.T) *ck.AdminClient {
	t.Helper()
	a, err := ck.NewAdminClient(&ck.ConfigMap{"bootstrap.servers": st.Bootstrap, "log_level": 0})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// adminPartitions is the partition count Kafka reports for a topic, 0 when
// the topic does not exist.
func adminPartitions(t *testing.T, topic string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := adminKafka(t).DescribeTopics(ctx, ck.NewTopicCollectionOfTopicNames([]string{topic}))
	if err != nil {
		t.Fatal(err)
	}
	d := res.TopicDescriptions[0]
	if d.Error.Code() == ck.ErrUnknownTopicOrPart {
		return 0
	}
	if d.Error.Code() != ck.ErrNoError {
		t.Fatal(d.Error)
	}
	return len(d.Partitions)
}

// adminEventually re-reads an outcome from Kafka until it is the wanted one:
// metadata reaches every reader a moment after the controller commits it.
func adminEventually(t *testing.T, what string, want any, read func() any) {
	t.Helper()
	var got any
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = read(); got == want {
			return
		}
	}
	t.Fatalf("%s: %v, want %v", what, got, want)
}

// adminTopicConfig is a topic's config value as Kafka reports it.
func adminTopicConfig(t *testing.T, topic, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := adminKafka(t).DescribeConfigs(ctx, []ck.ConfigResource{{Type: ck.ResourceTopic, Name: topic}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].Config[name].Value
}

type adminTopic struct {
	TopicName         string `json:"topic_name"`
	PartitionsCount   int    `json:"partitions_count"`
	ReplicationFactor int    `json:"replication_factor"`
}

type adminConfig struct {
	Name      string  `json:"name"`
	Value     *string `json:"value"`
	Source    string  `json:"source"`
	IsDefault bool    `json:"is_default"`
	TopicName string  `json:"topic_name"`
	BrokerID  int32   `json:"broker_id"`
}

func TestAdminBrokers(t *testing.T) {
	var list struct {
		Data []struct {
			BrokerID int32  `json:"broker_id"`
			Host     string `json:"host"`
			Port     int    `json:"port"`
		} `json:"data"`
	}
	decodeAs(t, as(t, "reader", "GET", v3("/brokers"), "", ""), 200, v3spec, "BrokerDataList", &list)
	if len(list.Data) != 1 || !strings.HasSuffix(st.Bootstrap, fmt.Sprintf(":%d", list.Data[0].Port)) {
		t.Fatalf("brokers %+v, bootstrap %s", list.Data, st.Bootstrap)
	}
	id := list.Data[0].BrokerID
	decodeAs(t, as(t, "reader", "GET", v3(fmt.Sprintf("/brokers/%d", id)), "", ""), 200, v3spec, "BrokerData", nil)
	wantError(t, as(t, "reader", "GET", v3("/brokers/4242"), "", ""), 404, 404)

	var configs struct{ Data []adminConfig }
	decodeAs(t, as(t, "admin", "GET", v3(fmt.Sprintf("/brokers/%d/configs", id)), "", ""), 200, v3spec, "BrokerConfigDataList", &configs)
	if !adminHasConfig(configs.Data, "num.partitions") {
		t.Errorf("broker configs lack num.partitions: %d configs", len(configs.Data))
	}
	var all struct{ Data []adminConfig }
	decodeAs(t, as(t, "admin", "GET", v3("/brokers/-/configs"), "", ""), 200, v3spec, "BrokerConfigDataList", &all)
	if len(all.Data) != len(configs.Data) {
		t.Errorf("all brokers' configs: %d, one broker's: %d", len(all.Data), len(configs.Data))
	}
	var one adminConfig
	decodeAs(t, as(t, "admin", "GET", v3(fmt.Sprintf("/brokers/%d/configs/num.partitions", id)), "", ""), 200, v3spec, "BrokerConfigData", &one)
	if one.Name != "num.partitions" || one.BrokerID != id || one.Value == nil {
		t.Errorf("config %+v", one)
	}
	wantError(t, as(t, "admin", "GET", v3(fmt.Sprintf("/brokers/%d/configs/no.such.config", id)), "", ""), 404, 404)
	// Reading configs is DESCRIBE_CONFIGS, which the reader key may not do.
	wantError(t, as(t, "reader", "GET", v3(fmt.Sprintf("/brokers/%d/configs", id)), "", ""), 403, 40301)
}

func adminHasConfig(cs []adminConfig, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}

func TestAdminCreateTopic(t *testing.T) {
	const js = "application/json"
	body := `{"topic_name":"admin-created","partitions_count":2,"replication_factor":1,"configs":[{"name":"cleanup.policy","value":"compact"}]}`
	r := as(t, "admin", "POST", v3("/topics"), js, body)
	var created adminTopic
	decodeAs(t, r, 201, v3spec, "TopicData", &created)
	if created.TopicName != "admin-created" || created.PartitionsCount != 2 || created.ReplicationFactor != 1 {
		t.Errorf("created %+v", created)
	}
	if loc := r.Header.Get("Location"); !strings.HasSuffix(loc, "/topics/admin-created") {
		t.Errorf("location %q", loc)
	}
	adminEventually(t, "partitions of admin-created in Kafka", 2, func() any { return adminPartitions(t, "admin-created") })
	if v := adminTopicConfig(t, "admin-created", "cleanup.policy"); v != "compact" {
		t.Errorf("cleanup.policy in Kafka: %q", v)
	}
	var got adminTopic
	decodeAs(t, as(t, "admin", "GET", v3("/topics/admin-created"), "", ""), 200, v3spec, "TopicData", &got)
	if got.PartitionsCount != 2 {
		t.Errorf("GET after create: %+v", got)
	}

	t.Run("again", func(t *testing.T) {
		e := wantError(t, as(t, "admin", "POST", v3("/topics"), js, body), 400, 40002)
		if !strings.Contains(e.Message, "admin-created") || !strings.Contains(e.Message, "already exists") {
			t.Errorf("message %q", e.Message)
		}
	})
	t.Run("with the broker's defaults", func(t *testing.T) {
		var d adminTopic
		decodeAs(t, as(t, "admin", "POST", v3("/topics"), js, `{"topic_name":"admin-defaults"}`), 201, v3spec, "TopicData", &d)
		adminEventually(t, "partitions of admin-defaults", d.PartitionsCount, func() any { return adminPartitions(t, "admin-defaults") })
	})

	// Every refused request creates nothing.
	for _, tt := range []struct {
		name, user, topic, body string
		status, code            int
		message                 string
	}{
		{name: "dry run", user: "admin", topic: "admin-dry", status: 200,
			body: `{"topic_name":"admin-dry","partitions_count":3,"replication_factor":1,"validate_only":true}`},
		{name: "invalid config value", user: "admin", topic: "admin-badconfig", status: 400, code: 40002, message: "retention.ms",
			body: `{"topic_name":"admin-badconfig","configs":[{"name":"retention.ms","value":"soon"}]}`},
		{name: "unknown config", user: "admin", topic: "admin-unknownconfig", status: 400, code: 40002, message: "no.such.config",
			body: `{"topic_name":"admin-unknownconfig","configs":[{"name":"no.such.config","value":"1"}]}`},
		{name: "replication factor above the brokers", user: "admin", topic: "admin-rf", status: 400, code: 40002, message: "eplication factor",
			body: `{"topic_name":"admin-rf","partitions_count":1,"replication_factor":3}`},
		{name: "no partitions", user: "admin", topic: "admin-zero", status: 400, code: 40002, message: "partitions_count",
			body: `{"topic_name":"admin-zero","partitions_count":0}`},
		{name: "denied by the policy", user: "admin", topic: "forbidden-x", status: 403, code: 40301,
			body: `{"topic_name":"forbidden-x","partitions_count":1}`},
		{name: "reader may not create", user: "reader", topic: "admin-byreader", status: 403, code: 40301,
			body: `{"topic_name":"admin-byreader","partitions_count":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := as(t, tt.user, "POST", v3("/topics"), js, tt.body)
			if tt.status == 200 {
				decodeAs(t, r, 200, v3spec, "TopicData", nil)
			} else if e := wantError(t, r, tt.status, tt.code); !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q lacks %q", e.Message, tt.message)
			}
			if n := adminPartitions(t, tt.topic); n != 0 {
				t.Errorf("%s exists in Kafka with %d partitions", tt.topic, n)
			}
		})
	}
}

func TestAdminDeleteTopic(t *testing.T) {
	createTopics(t, stack.TopicSpec{Name: "admin-delete", Partitions: 1})
	decodeAs(t, as(t, "reader", "GET", v3("/topics/admin-delete"), "", ""), 200, v3spec, "TopicData", nil) // now cached
	wantError(t, as(t, "reader", "DELETE", v3("/topics/admin-delete"), "", ""), 403, 40301)
	r := as(t, "admin", "DELETE", v3("/topics/admin-delete"), "", "")
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("delete answered %d: %s", r.Status, r.Body)
	}
	adminEventually(t, "partitions of admin-delete", 0, func() any { return adminPartitions(t, "admin-delete") })
	wantError(t, as(t, "admin", "GET", v3("/topics/admin-delete"), "", ""), 404, 40403)
	wantError(t, as(t, "admin", "DELETE", v3("/topics/admin-delete"), "", ""), 404, 40403)
}

func TestAdminPartitionCount(t *testing.T) {
	createTopics(t, stack.TopicSpec{Name: "admin-grow", Partitions: 1})
	var got adminTopic
	decodeAs(t, as(t, "admin", "PATCH", v3("/topics/admin-grow"), "application/json", `{"partitions_count":3}`), 200, v3spec, "TopicData", &got)
	if got.PartitionsCount != 3 {
		t.Errorf("answer %+v", got)
	}
	adminEventually(t, "partitions of admin-grow", 3, func() any { return adminPartitions(t, "admin-grow") })
	for _, n := range []int{3, 2} {
		e := wantError(t, as(t, "admin", "PATCH", v3("/topics/admin-grow"), "application/json", fmt.Sprintf(`{"partitions_count":%d}`, n)), 400, 40002)
		if !strings.Contains(e.Message, "already has 3 partitions") {
			t.Errorf("message %q", e.Message)
		}
	}
	if n := adminPartitions(t, "admin-grow"); n != 3 {
		t.Errorf("partitions after refused PATCHes: %d", n)
	}
	wantError(t, as(t, "admin", "PATCH", v3("/topics/admin-nope"), "application/json", `{"partitions_count":3}`), 404, 40403)
}

func TestAdminTopicConfigs(t *testing.T) {
	const topic = "admin-configs"
	const js = "application/json"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	path := v3("/topics/" + topic + "/configs")

	var list struct{ Data []adminConfig }
	decodeAs(t, as(t, "admin", "GET", path, "", ""), 200, v3spec, "TopicConfigDataList", &list)
	if !adminHasConfig(list.Data, "retention.ms") {
		t.Fatalf("configs lack retention.ms")
	}
	// topics/-/configs goes by the topic list, cached for metadata_ttl.
	adminEventually(t, "configs of "+topic+" in topics/-/configs", len(list.Data), func() any {
		var all struct{ Data []adminConfig }
		decodeAs(t, as(t, "admin", "GET", v3("/topics/-/configs"), "", ""), 200, v3spec, "TopicConfigDataList", &all)
		mine := 0
		for _, c := range all.Data {
			if c.TopicName == topic {
				mine++
			}
		}
		return mine
	})

	// PUT sets a value; Kafka has it, and a GET shows it.
	r := as(t, "admin", "PUT", path+"/retention.ms", js, `{"value":"12345"}`)
	if r.Status != http.StatusNoContent {
		t.Fatalf("PUT answered %d: %s", r.Status, r.Body)
	}
	if v := adminTopicConfig(t, topic, "retention.ms"); v != "12345" {
		t.Errorf("retention.ms in Kafka: %s", v)
	}
	var one adminConfig
	decodeAs(t, as(t, "admin", "GET", path+"/retention.ms", "", ""), 200, v3spec, "TopicConfigData", &one)
	if one.Value == nil || *one.Value != "12345" || one.Source != "DYNAMIC_TOPIC_CONFIG" || one.IsDefault {
		t.Errorf("config %+v", one)
	}
	wantError(t, as(t, "admin", "GET", path+"/no.such.config", "", ""), 404, 404)

	// Refused changes change nothing.
	for _, tt := range []struct {
		name, method, path, body string
		message                  string
	}{
		{"bad value", "PUT", path + "/retention.ms", `{"value":"soon"}`, "retention.ms"},
		{"unknown name", "PUT", path + "/no.such.config", `{"value":"1"}`, "no.such.config"},
		{"batch with one bad value", "POST", path + ":alter", `{"data":[{"name":"retention.ms","value":"1"},{"name":"cleanup.policy","value":"sometimes"}]}`, "cleanup.policy"},
		{"batch with an unknown name", "POST", path + ":alter", `{"data":[{"name":"retention.ms","value":"1"},{"name":"no.such.config","operation":"DELETE"}]}`, "no.such.config"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, as(t, "admin", tt.method, tt.path, js, tt.body), 400, 40002)
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q lacks %q", e.Message, tt.message)
			}
			if v := adminTopicConfig(t, topic, "retention.ms"); v != "12345" {
				t.Errorf("retention.ms in Kafka: %s", v)
			}
			if v := adminTopicConfig(t, topic, "cleanup.policy"); v != "delete" {
				t.Errorf("cleanup.policy in Kafka: %s", v)
			}
		})
	}
	// A dry run changes nothing either.
	r = as(t, "admin", "POST", path+":alter", js, `{"data":[{"name":"cleanup.policy","value":"compact"}],"validate_only":true}`)
	if r.Status != http.StatusNoContent || adminTopicConfig(t, topic, "cleanup.policy") != "delete" {
		t.Errorf("dry run answered %d, cleanup.policy now %s", r.Status, adminTopicConfig(t, topic, "cleanup.policy"))
	}

	// A batch sets one and resets another.
	r = as(t, "admin", "POST", path+":alter", js, `{"data":[{"name":"cleanup.policy","value":"compact"},{"name":"retention.ms","operation":"DELETE"}]}`)
	if r.Status != http.StatusNoContent {
		t.Fatalf("alter answered %d: %s", r.Status, r.Body)
	}
	if c, rt := adminTopicConfig(t, topic, "cleanup.policy"), adminTopicConfig(t, topic, "retention.ms"); c != "compact" || rt != "604800000" {
		t.Errorf("after alter: cleanup.policy %s, retention.ms %s", c, rt)
	}
	// DELETE resets to the default.
	r = as(t, "admin", "DELETE", path+"/cleanup.policy", "", "")
	if r.Status != http.StatusNoContent {
		t.Fatalf("reset answered %d: %s", r.Status, r.Body)
	}
	if c := adminTopicConfig(t, topic, "cleanup.policy"); c != "delete" {
		t.Errorf("after reset: cleanup.policy %s", c)
	}
	// Altering needs ALTER_CONFIGS, which the reader lacks.
	wantError(t, as(t, "reader", "PUT", path+"/retention.ms", js, `{"value":"1"}`), 403, 40301)
	wantError(t, as(t, "admin", "GET", v3("/topics/admin-nope/configs"), "", ""), 404, 40403)
}

func TestAdminPartitions(t *testing.T) {
	const topic = "admin-parts"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2})
	for i := 0; i < 3; i++ {
		results(t, produce(t, topic, `{"partition_id":1,"value":{"type":"STRING","data":"x"}}`))
	}
	if n := recordCount(t, topic); n != 3 {
		t.Fatalf("%d records in %s", n, topic)
	}
	base := v3("/topics/" + topic + "/partitions")

	var p struct {
		PartitionID int32 `json:"partition_id"`
	}
	decodeAs(t, as(t, "reader", "GET", base+"/1", "", ""), 200, v3spec, "PartitionData", &p)
	if p.PartitionID != 1 {
		t.Errorf("partition %+v", p)
	}
	wantError(t, as(t, "reader", "GET", base+"/5", "", ""), 404, 40403)

	var off struct {
		Earliest int64 `json:"earliest_offset"`
		Latest   int64 `json:"latest_offset"`
	}
	decodeAs(t, as(t, "reader", "GET", base+"/1/offset", "", ""), 200, v3spec, "PartitionWithOffsetsData", &off)
	if off.Earliest != 0 || off.Latest != 3 {
		t.Errorf("offsets of partition 1: %+v, want 0 and 3", off)
	}
	decodeAs(t, as(t, "reader", "GET", base+"/0/offset?offset_type=latest", "", ""), 200, v3spec, "PartitionWithOffsetsData", &off)
	if off.Earliest != 0 || off.Latest != 0 {
		t.Errorf("offsets of partition 0: %+v, want 0 and 0", off)
	}
	wantError(t, as(t, "reader", "GET", base+"/0/offset?offset_type=middle", "", ""), 400, 400)
	wantError(t, as(t, "reader", "GET", base+"/9/offset", "", ""), 404, 40403)

	var reps struct {
		Data []struct {
			BrokerID int32 `json:"broker_id"`
			IsLeader bool  `json:"is_leader"`
			InSync   bool  `json:"is_in_sync"`
		} `json:"data"`
	}
	decodeAs(t, as(t, "reader", "GET", base+"/0/replicas", "", ""), 200, v3spec, "ReplicaDataList", &reps)
	if len(reps.Data) != 1 || !reps.Data[0].IsLeader || !reps.Data[0].InSync {
		t.Fatalf("replicas %+v", reps.Data)
	}
	decodeAs(t, as(t, "reader", "GET", base+fmt.Sprintf("/0/replicas/%d", reps.Data[0].BrokerID), "", ""), 200, v3spec, "ReplicaData", nil)
	wantError(t, as(t, "reader", "GET", base+"/0/replicas/4242", "", ""), 404, 404)
}

// TestAdminPolicySeesWhatIsAsked: the policy sees the configs and counts an
// admin request asks for (input.admin), and refuses some values; a refused
// request changes nothing in Kafka.
func TestAdminPolicySeesWhatIsAsked(t *testing.T) {
	const kept = "admin-policy-kept"
	// Refused at creation: nothing is created.
	r := as(t, "admin", "POST", v3("/topics"), "application/json",
		`{"topic_name":"admin-policy-forever","partitions_count":1,"replication_factor":1,"configs":[{"name":"retention.ms","value":"-1"}]}`)
	wantError(t, r, http.StatusForbidden, 40301)
	r = as(t, "admin", "POST", v3("/topics"), "application/json", `{"topic_name":"admin-policy-wide","partitions_count":9,"replication_factor":1}`)
	wantError(t, r, http.StatusForbidden, 40301)
	for _, topic := range []string{"admin-policy-forever", "admin-policy-wide"} {
		if n := adminPartitions(t, topic); n != 0 {
			t.Errorf("refused topic %s exists with %d partitions", topic, n)
		}
	}
	// Allowed values pass.
	r = as(t, "admin", "POST", v3("/topics"), "application/json",
		`{"topic_name":"`+kept+`","partitions_count":1,"replication_factor":1,"configs":[{"name":"retention.ms","value":"60000"}]}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", kept, r.Status, r.Body)
	}
	adminEventually(t, "retention.ms of "+kept, "60000", func() any { return adminTopicConfig(t, kept, "retention.ms") })
	// Refused changes leave the topic as it was.
	adminEventually(t, "topicgate describes "+kept, 200, func() any { return as(t, "admin", "GET", v3("/topics/"+kept), "", "").Status })
	wantError(t, as(t, "admin", "PUT", v3("/topics/"+kept+"/configs/retention.ms"), "application/json", `{"value":"-1"}`), http.StatusForbidden, 40301)
	wantError(t, as(t, "admin", "POST", v3("/topics/"+kept+"/configs:alter"), "application/json",
		`{"data":[{"name":"cleanup.policy","value":"delete"},{"name":"retention.ms","value":"-1"}]}`), http.StatusForbidden, 40301)
	wantError(t, as(t, "admin", "PATCH", v3("/topics/"+kept), "application/json", `{"partitions_count":9}`), http.StatusForbidden, 40301)
	if got := adminTopicConfig(t, kept, "retention.ms"); got != "60000" {
		t.Errorf("retention.ms after refused changes: %s, want 60000", got)
	}
	if n := adminPartitions(t, kept); n != 1 {
		t.Errorf("partitions after a refused change: %d, want 1", n)
	}
	// An allowed change passes both decisions.
	r = as(t, "admin", "PUT", v3("/topics/"+kept+"/configs/retention.ms"), "application/json", `{"value":"120000"}`)
	if r.Status != http.StatusNoContent {
		t.Fatalf("allowed config change: %d %s", r.Status, r.Body)
	}
	adminEventually(t, "retention.ms of "+kept, "120000", func() any { return adminTopicConfig(t, kept, "retention.ms") })
}
