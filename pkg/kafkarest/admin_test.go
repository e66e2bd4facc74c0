package kafkarest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

func adminStr(s string) *string { return &s }

// Every admin body fits its schema in the Confluent or the Strimzi spec.
func TestAdminRender_MatchesSpecs(t *testing.T) {
	v3, v2 := loadSpec(t), loadStrimziSpec(t)
	cfg := Config{Name: "retention.ms", Value: adminStr("1000"), Source: "DYNAMIC_TOPIC_CONFIG",
		Synonyms: []ConfigSynonym{{Name: "retention.ms", Value: adminStr("1000"), Source: "DYNAMIC_TOPIC_CONFIG"}, {Name: "log.retention.hours", Value: adminStr("168"), Source: "DEFAULT_CONFIG"}}}
	secret := Config{Name: "ssl.key.password", Sensitive: true, Source: "STATIC_BROKER_CONFIG"}
	part := V2Partition{ID: 0, Leader: 1, Replicas: []Replica{{Broker: 1, Leader: true, InSync: true}, {Broker: 2}}}
	tests := []struct {
		name, schema string
		v2           bool
		body         func() ([]byte, error)
	}{
		{"broker list", "BrokerDataList", false, func() ([]byte, error) {
			return testLinks.BrokerList("lkc-1", []Broker{{ID: 1, Host: "b1", Port: 9092}, {ID: 2}})
		}},
		{"broker", "BrokerData", false, func() ([]byte, error) { return testLinks.Broker("lkc-1", Broker{ID: 1, Host: "b1", Port: 9092}) }},
		{"broker configs", "BrokerConfigDataList", false, func() ([]byte, error) {
			return testLinks.BrokerConfigList("lkc-1", 1, []BrokerConfig{{1, cfg}, {1, secret}})
		}},
		{"all brokers' configs", "BrokerConfigDataList", false, func() ([]byte, error) {
			return testLinks.BrokerConfigList("lkc-1", -1, nil)
		}},
		{"broker config", "BrokerConfigData", false, func() ([]byte, error) { return testLinks.BrokerConfig("lkc-1", BrokerConfig{1, secret}) }},
		{"topic configs", "TopicConfigDataList", false, func() ([]byte, error) {
			return testLinks.TopicConfigList("lkc-1", "orders", []TopicConfig{{"orders", cfg}})
		}},
		{"topic config", "TopicConfigData", false, func() ([]byte, error) { return testLinks.TopicConfig("lkc-1", TopicConfig{"orders", cfg}) }},
		{"partition", "PartitionData", false, func() ([]byte, error) { return testLinks.Partition("lkc-1", "orders", Partition{ID: 1, Leader: -1}) }},
		{"partition offsets", "PartitionWithOffsetsData", false, func() ([]byte, error) {
			return testLinks.PartitionOffsets("lkc-1", "orders", 1, 10, 100)
		}},
		{"replicas", "ReplicaDataList", false, func() ([]byte, error) {
			return testLinks.ReplicaList("lkc-1", "orders", 0, part.Replicas)
		}},
		{"replica", "ReplicaData", false, func() ([]byte, error) { return testLinks.Replica("lkc-1", "orders", 0, part.Replicas[0]) }},
		{"v2 topic", "TopicMetadata", true, func() ([]byte, error) {
			return V2Topic("orders", map[string]string{"cleanup.policy": "compact"}, []V2Partition{part})
		}},
		{"v2 partition", "PartitionMetadata", true, func() ([]byte, error) { return V2PartitionMetadata(part) }},
		{"v2 offsets", "OffsetsSummary", true, func() ([]byte, error) { return V2OffsetsSummary(3, 42) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.body()
			if err != nil {
				t.Fatal(err)
			}
			spec := v3
			if tt.v2 {
				spec = v2
			}
			if err := spec.Check(tt.schema, b); err != nil {
				t.Errorf("%v\n%s", err, b)
			}
		})
	}
}

func TestAdminRender_Shapes(t *testing.T) {
	b, _ := testLinks.PartitionOffsets("lkc-1", "orders", 1, 10, 100)
	want := `{"kind":"KafkaPartitionWithOffsets","metadata":{"self":"https://gw.example.com:8443/kafka/v3/clusters/lkc-1/topics/orders/partitions/1/offset",` +
		`"resource_name":"crn:///kafka=lkc-1/topic=orders/partition=1/offset"},"cluster_id":"lkc-1","topic_name":"orders","partition_id":1,"earliest_offset":10,"latest_offset":100}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("offsets (-want +got):\n%s", diff)
	}
	b, _ = V2TopicNames(nil)
	if string(b) != "[]" {
		t.Errorf("no topics: %s", b)
	}
}

func TestParseCreateTopic(t *testing.T) {
	p, rf := int32(3), int16(2)
	tests := []struct {
		name    string
		body    string
		want    CreateTopicRequest
		status  int
		code    int
		message string
	}{
		{name: "full", body: `{"topic_name":"t","partitions_count":3,"replication_factor":2,"configs":[{"name":"a","value":"1"}],"validate_only":true}`,
			want: CreateTopicRequest{Name: "t", Partitions: &p, ReplicationFactor: &rf, Configs: map[string]string{"a": "1"}, ValidateOnly: true}},
		{name: "name only", body: `{"topic_name":"t"}`, want: CreateTopicRequest{Name: "t"}},
		{name: "assignments", body: `{"topic_name":"t","replicas_assignments":{"1":[2,3],"0":[1]}}`,
			want: CreateTopicRequest{Name: "t", Assignment: [][]int32{{1}, {2, 3}}}},
		{name: "unknown fields are ignored", body: `{"topic_name":"t","colour":"blue"}`, want: CreateTopicRequest{Name: "t"}},
		{name: "empty", body: ``, status: 422, code: 422},
		{name: "not an object", body: `[1]`, status: 400, code: 400, message: "must be a JSON object"},
		{name: "two objects", body: `{"topic_name":"t"}{}`, status: 400, code: 400, message: "with nothing after it"},
		{name: "no name", body: `{}`, status: 400, code: 40002, message: "topic_name is required."},
		{name: "bad name", body: `{"topic_name":".."}`, status: 400, code: 40002, message: `topic name cannot be ".."`},
		{name: "name too long", body: `{"topic_name":"` + strings.Repeat("a", 250) + `"}`, status: 400, code: 40002, message: "1 to 249"},
		{name: "too many partitions", body: `{"topic_name":"t","partitions_count":3000000000}`, status: 400, code: 40002},
		{name: "replication factor zero", body: `{"topic_name":"t","replication_factor":0}`, status: 400, code: 40002},
		{name: "assignments with counts", body: `{"topic_name":"t","partitions_count":1,"replicas_assignments":{"0":[1]}}`, status: 400, code: 40002},
		{name: "assignments with a gap", body: `{"topic_name":"t","replicas_assignments":{"0":[1],"2":[1]}}`, status: 400, code: 40002},
		{name: "assignment without brokers", body: `{"topic_name":"t","replicas_assignments":{"0":[]}}`, status: 400, code: 40002},
		{name: "assignment with a broker twice", body: `{"topic_name":"t","replicas_assignments":{"0":[1,1]}}`, status: 400, code: 40002},
		{name: "config without value", body: `{"topic_name":"t","configs":[{"name":"a"}]}`, status: 400, code: 40002, message: "has no value"},
		{name: "config without name", body: `{"topic_name":"t","configs":[{"value":"1"}]}`, status: 400, code: 40002, message: "has no name"},
		{name: "config twice", body: `{"topic_name":"t","configs":[{"name":"a","value":"1"},{"name":"a","value":"2"}]}`, status: 400, code: 40002},
		{name: "count as a string", body: `{"topic_name":"t","partitions_count":"3"}`, status: 400, code: 400, message: "partitions_count must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreateTopic("v3", []byte(tt.body))
			if tt.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			adminWantErr(t, err, tt.status, tt.code, tt.message)
		})
	}
}

func TestParseAlterConfigs(t *testing.T) {
	got, err := ParseAlterConfigs([]byte(`{"data":[{"name":"a","value":"1"},{"name":"b","operation":"delete"},{"name":"c","value":"2","operation":"SET"}],"validate_only":true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := AlterConfigsRequest{ValidateOnly: true, Changes: []ConfigChange{{Name: "a", Value: "1"}, {Name: "b", Delete: true}, {Name: "c", Value: "2"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for body, message := range map[string]string{
		`{}`:                       "at least one",
		`{"data":[{"value":"1"}]}`: "has no name",
		`{"data":[{"name":"a"}]}`:  "sets no value",
		`{"data":[{"name":"a","value":"1"},{"name":"a","operation":"DELETE"}]}`: "given twice",
		`{"data":[{"name":"a","value":"1","operation":"APPEND"}]}`:              "SET or DELETE",
	} {
		_, err := ParseAlterConfigs([]byte(body))
		adminWantErr(t, err, http.StatusBadRequest, 40002, message)
	}
}

func TestParsePartitionsCountAndConfigValue(t *testing.T) {
	if n, err := ParsePartitionsCount([]byte(`{"partitions_count":4}`)); n != 4 || err != nil {
		t.Errorf("ParsePartitionsCount = %d, %v", n, err)
	}
	_, err := ParsePartitionsCount([]byte(`{"partitions_count":-1}`))
	adminWantErr(t, err, 400, 40002, "between 1 and")
	if v, err := ParseConfigValue([]byte(`{"value":""}`)); v != "" || err != nil {
		t.Errorf("ParseConfigValue = %q, %v", v, err)
	}
	_, err = ParseConfigValue([]byte(`{"value":1}`))
	adminWantErr(t, err, 400, 400, "value must be a string")
	if err := CheckV2CreateTopicContentType("application/vnd.kafka.json.v2+json; charset=utf-8"); err != nil {
		t.Error(err)
	}
	adminWantErr(t, CheckV2CreateTopicContentType("application/json"), 415, 415, "vnd.kafka.json.v2+json")
}

func adminWantErr(t *testing.T, err error, status, code int, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d/%d", status, code)
	}
	e := apierr.From(err)
	if e.Status != status || e.Code != code || !strings.Contains(e.Message, message) {
		t.Errorf("error %d/%d %q, want %d/%d containing %q", e.Status, e.Code, e.Message, status, code, message)
	}
}
