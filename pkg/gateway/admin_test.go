package gateway_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/e2e/speccheck"
	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

// adminSpecs loads the two API specs beside the repository, or skips.
func adminSpecs(t *testing.T) (v3, v2 *speccheck.Spec) {
	t.Helper()
	load := func(p string) *speccheck.Spec {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			t.Skipf("spec not found at %s", p)
		}
		s, err := speccheck.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return load("../../../shared/specs/confluent-kafka-rest-v3.openapi.yaml"), load("../../../shared/specs/strimzi-kafka-bridge.openapi.json")
}

// adminRequest builds a request with the demo key; body "" means none.
func adminRequest(method, path, contentType, body string) *gateway.Request {
	r := get(path, map[string]string{"authorization": demoAuth})
	r.Method = method
	r.Headers[":method"] = method
	if body != "" {
		r.EndOfStream = false
		r.Headers["content-type"] = contentType
	}
	return r
}

const adminV3 = "/kafka/v3/clusters/lkc-1"

// adminWithReplicas gives orders' partitions replicas: partition 0 on
// brokers 1 (leader, in sync) and 2 (not in sync).
func adminWithReplicas(f *fakeCluster) {
	t := f.topics["orders"]
	t.Partitions[0].Replicas, t.Partitions[0].ISR = []int32{1, 2}, []int32{1}
	f.topics["orders"] = t
	f.logs = map[kafka.TopicPartition][2]int64{{Topic: "orders", Partition: 0}: {3, 42}}
}

// adminConfigsFromTopicInfo checks that one topic's configs came with its
// TopicInfo (one DescribeConfigs per topic load), not from another call.
func adminConfigsFromTopicInfo(t *testing.T, f *fakeCluster, _ *gateway.Response) {
	t.Helper()
	if f.admin.describeConfigs != 0 {
		t.Errorf("%d TopicConfigs calls; one topic's configs are in its TopicInfo", f.admin.describeConfigs)
	}
}

func TestAdmin_Endpoints(t *testing.T) {
	specV3, specV2 := adminSpecs(t)
	const js = "application/json"
	const v2js = "application/vnd.kafka.json.v2+json"
	tests := []struct {
		name               string
		method, path       string
		contentType, body  string
		setup              func(f *fakeCluster)
		deny               string // an operation the policy denies
		status             int
		v3Schema, v2Schema string         // the body's schema, when it has one
		want               map[string]any // top-level fields of the body
		code               int            // error_code of an error body
		message            string         // part of the error's message
		check              func(t *testing.T, f *fakeCluster, resp *gateway.Response)
	}{
		// Brokers.
		{name: "list brokers", method: "GET", path: adminV3 + "/brokers", status: 200, v3Schema: "BrokerDataList"},
		{name: "get broker", method: "GET", path: adminV3 + "/brokers/1", status: 200, v3Schema: "BrokerData",
			want: map[string]any{"broker_id": 1.0, "host": "b1", "port": 9092.0}},
		{name: "unknown broker", method: "GET", path: adminV3 + "/brokers/9", status: 404, code: 404, message: "Broker 9 cannot be found."},
		{name: "broker configs", method: "GET", path: adminV3 + "/brokers/1/configs", status: 200, v3Schema: "BrokerConfigDataList",
			check: func(t *testing.T, _ *fakeCluster, resp *gateway.Response) {
				data := jsonDocs(t, resp.Body)[0]["data"].([]any)
				secret := data[2].(map[string]any)
				if secret["name"] != "ssl.key.password" || secret["value"] != nil || secret["is_sensitive"] != true {
					t.Errorf("sensitive config rendered as %v", secret)
				}
			}},
		{name: "all brokers' configs", method: "GET", path: adminV3 + "/brokers/-/configs", status: 200, v3Schema: "BrokerConfigDataList"},
		{name: "broker config", method: "GET", path: adminV3 + "/brokers/1/configs/num.partitions", status: 200, v3Schema: "BrokerConfigData",
			want: map[string]any{"name": "num.partitions", "value": "1", "is_read_only": true, "source": "STATIC_BROKER_CONFIG", "broker_id": 1.0}},
		{name: "unknown broker config", method: "GET", path: adminV3 + "/brokers/1/configs/nope", status: 404, code: 404, message: "Config nope cannot be found for broker 1."},
		{name: "configs of an unknown broker", method: "GET", path: adminV3 + "/brokers/7/configs", status: 404, code: 404},

		// Create.
		{name: "create topic", method: "POST", path: adminV3 + "/topics", contentType: js,
			body:   `{"topic_name":"new","partitions_count":2,"replication_factor":1,"configs":[{"name":"cleanup.policy","value":"compact"}]}`,
			status: 201, v3Schema: "TopicData", want: map[string]any{"topic_name": "new", "partitions_count": 2.0, "replication_factor": 1.0},
			check: func(t *testing.T, f *fakeCluster, resp *gateway.Response) {
				if resp.Headers["location"] != "https://gw.example.com"+adminV3+"/topics/new" {
					t.Errorf("location %q", resp.Headers["location"])
				}
				if len(f.topics["new"].Partitions) != 2 || f.admin.overrides["new"]["cleanup.policy"] != "compact" {
					t.Errorf("created %+v with overrides %v", f.topics["new"], f.admin.overrides["new"])
				}
			}},
		{name: "create with the broker's defaults", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"topic_name":"dflt"}`,
			status: 201, v3Schema: "TopicData", want: map[string]any{"partitions_count": 1.0, "replication_factor": 1.0}},
		{name: "create with replicas assignments", method: "POST", path: adminV3 + "/topics", contentType: js,
			body: `{"topic_name":"placed","replicas_assignments":{"0":[1],"1":[1]}}`, status: 201, v3Schema: "TopicData",
			want: map[string]any{"partitions_count": 2.0, "replication_factor": 1.0}},
		{name: "dry run creates nothing", method: "POST", path: adminV3 + "/topics", contentType: js,
			body: `{"topic_name":"dry","partitions_count":3,"replication_factor":1,"validate_only":true}`, status: 200, v3Schema: "TopicData",
			check: func(t *testing.T, f *fakeCluster, _ *gateway.Response) {
				if _, ok := f.topics["dry"]; ok || len(f.admin.created) != 1 || !f.admin.created[0].validateOnly {
					t.Errorf("dry run: topics %v, calls %+v", f.topics, f.admin.created)
				}
			}},
		{name: "create an existing topic", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"topic_name":"orders"}`,
			status: 400, code: 40002, message: "Topic 'orders' already exists."},
		{name: "create with an invalid name", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"topic_name":"a b"}`,
			status: 400, code: 40002, message: "contains a character other than"},
		{name: "create without a name", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"partitions_count":1}`,
			status: 400, code: 40002, message: "topic_name is required."},
		{name: "create with no partitions", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"topic_name":"z","partitions_count":0}`,
			status: 400, code: 40002, message: "partitions_count must be between 1 and"},
		{name: "create with a negative replication factor", method: "POST", path: adminV3 + "/topics", contentType: js,
			body: `{"topic_name":"z","replication_factor":-1}`, status: 400, code: 40002, message: "replication_factor must be between 1 and"},
		{name: "create with a bad config value", method: "POST", path: adminV3 + "/topics", contentType: js,
			body: `{"topic_name":"z","configs":[{"name":"retention.ms","value":"soon"}]}`, status: 400, code: 40002,
			message: "Invalid value soon for configuration retention.ms"},
		{name: "create with a count of the wrong type", method: "POST", path: adminV3 + "/topics", contentType: js,
			body: `{"topic_name":"z","partitions_count":"3"}`, status: 400, code: 400, message: "partitions_count must be an integer"},
		{name: "create with malformed JSON", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"topic_name":`,
			status: 400, code: 400, message: "not valid JSON"},
		{name: "create with the wrong media type", method: "POST", path: adminV3 + "/topics", contentType: "text/plain", body: `{}`,
			status: 415, code: 415},
		{name: "create denied by the policy", method: "POST", path: adminV3 + "/topics", contentType: js, body: `{"topic_name":"nope"}`,
			deny: "CREATE", status: 403, code: 40301},

		// Delete and partitions count.
		{name: "delete topic", method: "DELETE", path: adminV3 + "/topics/audit", status: 204,
			check: func(t *testing.T, f *fakeCluster, resp *gateway.Response) {
				if _, ok := f.topics["audit"]; ok || len(resp.Body) != 0 {
					t.Errorf("audit still there (%v) or body %q", f.topics, resp.Body)
				}
			}},
		{name: "delete an unknown topic", method: "DELETE", path: adminV3 + "/topics/nope", status: 404, code: 40403},
		{name: "add partitions", method: "PATCH", path: adminV3 + "/topics/orders", contentType: js, body: `{"partitions_count":5}`,
			status: 200, v3Schema: "TopicData", want: map[string]any{"partitions_count": 5.0},
			check: func(t *testing.T, f *fakeCluster, _ *gateway.Response) {
				if diff := cmp.Diff([]int{5}, f.admin.raisedTo); diff != "" {
					t.Errorf("CreatePartitions calls (-want +got):\n%s", diff)
				}
			}},
		{name: "as many partitions as there are", method: "PATCH", path: adminV3 + "/topics/orders", contentType: js, body: `{"partitions_count":3}`,
			status: 400, code: 40002, message: "Topic already has 3 partitions",
			check: func(t *testing.T, f *fakeCluster, _ *gateway.Response) {
				if len(f.admin.raisedTo) != 0 {
					t.Errorf("CreatePartitions called: %v", f.admin.raisedTo)
				}
			}},
		{name: "fewer partitions", method: "PATCH", path: adminV3 + "/topics/orders", contentType: js, body: `{"partitions_count":1}`,
			status: 400, code: 40002, message: "Kafka cannot remove them"},
		{name: "partitions count missing", method: "PATCH", path: adminV3 + "/topics/orders", contentType: js, body: `{}`,
			status: 400, code: 40002, message: "partitions_count is required."},
		{name: "more partitions of an unknown topic", method: "PATCH", path: adminV3 + "/topics/nope", contentType: js, body: `{"partitions_count":5}`,
			status: 404, code: 40403},

		// Topic configs.
		{name: "topic configs", method: "GET", path: adminV3 + "/topics/orders/configs", status: 200, v3Schema: "TopicConfigDataList",
			check: adminConfigsFromTopicInfo},
		{name: "all topics' configs", method: "GET", path: adminV3 + "/topics/-/configs", status: 200, v3Schema: "TopicConfigDataList",
			check: func(t *testing.T, f *fakeCluster, resp *gateway.Response) {
				if n := len(jsonDocs(t, resp.Body)[0]["data"].([]any)); n != 6 {
					t.Errorf("%d configs, want 3 for each of 2 topics", n)
				}
				if f.admin.describeConfigs != 1 {
					t.Errorf("%d TopicConfigs calls, want 1 for every topic", f.admin.describeConfigs)
				}
			}},
		{name: "topic config", method: "GET", path: adminV3 + "/topics/orders/configs/retention.ms", status: 200, v3Schema: "TopicConfigData",
			want: map[string]any{"name": "retention.ms", "value": "604800000", "topic_name": "orders", "is_default": true}},
		{name: "unknown topic config", method: "GET", path: adminV3 + "/topics/orders/configs/nope", status: 404, code: 404,
			message: "Config nope cannot be found for topic orders."},
		{name: "configs of an unknown topic", method: "GET", path: adminV3 + "/topics/nope/configs", status: 404, code: 40403},
		{name: "set a config", method: "PUT", path: adminV3 + "/topics/orders/configs/retention.ms", contentType: js, body: `{"value":"1000"}`,
			status: 204, check: adminWantOverrides(map[string]string{"retention.ms": "1000"})},
		{name: "set a config to a bad value", method: "PUT", path: adminV3 + "/topics/orders/configs/retention.ms", contentType: js,
			body: `{"value":"soon"}`, status: 400, code: 40002, message: "Invalid value soon for configuration retention.ms",
			check: adminWantOverrides(nil)},
		{name: "set an unknown config", method: "PUT", path: adminV3 + "/topics/orders/configs/nope", contentType: js, body: `{"value":"1"}`,
			status: 400, code: 40002, message: "Unknown topic config name: nope.", check: adminWantOverrides(nil)},
		{name: "set a config without a value", method: "PUT", path: adminV3 + "/topics/orders/configs/retention.ms", contentType: js,
			body: `{"value":null}`, status: 400, code: 40002, message: "value is required"},
		{name: "reset a config", method: "DELETE", path: adminV3 + "/topics/orders/configs/retention.ms", status: 204,
			setup: func(f *fakeCluster) {
				f.admin.overrides = map[string]map[string]string{"orders": {"retention.ms": "5"}}
			},
			check: adminWantOverrides(map[string]string{})},
		{name: "alter configs", method: "POST", path: adminV3 + "/topics/orders/configs:alter", contentType: js,
			body: `{"data":[{"name":"retention.ms","operation":"DELETE"},{"name":"cleanup.policy","value":"compact"}]}`,
			setup: func(f *fakeCluster) {
				f.admin.overrides = map[string]map[string]string{"orders": {"retention.ms": "5"}}
			},
			status: 204, check: adminWantOverrides(map[string]string{"cleanup.policy": "compact"})},
		{name: "alter configs, one bad value", method: "POST", path: adminV3 + "/topics/orders/configs:alter", contentType: js,
			body:   `{"data":[{"name":"retention.ms","value":"7"},{"name":"cleanup.policy","value":"sometimes"}]}`,
			status: 400, code: 40002, message: "Invalid value sometimes for configuration cleanup.policy", check: adminWantOverrides(nil)},
		{name: "alter configs, dry run", method: "POST", path: adminV3 + "/topics/orders/configs:alter", contentType: js,
			body: `{"data":[{"name":"retention.ms","value":"7"}],"validate_only":true}`, status: 204, check: adminWantOverrides(nil)},
		{name: "alter configs, bad operation", method: "POST", path: adminV3 + "/topics/orders/configs:alter", contentType: js,
			body: `{"data":[{"name":"retention.ms","value":"7","operation":"APPEND"}]}`, status: 400, code: 40002,
			message: "operation must be SET or DELETE"},
		{name: "alter configs, nothing to do", method: "POST", path: adminV3 + "/topics/orders/configs:alter", contentType: js,
			body: `{"data":[]}`, status: 400, code: 40002},
		{name: "alter configs, empty body", method: "POST", path: adminV3 + "/topics/orders/configs:alter", contentType: js,
			body: ` `, status: 422, code: 422},

		// Partitions.
		{name: "partition", method: "GET", path: adminV3 + "/topics/orders/partitions/1", status: 200, v3Schema: "PartitionData",
			want: map[string]any{"partition_id": 1.0}},
		{name: "unknown partition", method: "GET", path: adminV3 + "/topics/orders/partitions/7", status: 404, code: 40403},
		{name: "partition offsets", method: "GET", path: adminV3 + "/topics/orders/partitions/0/offset?offset_type=earliest_and_latest",
			setup: adminWithReplicas, status: 200, v3Schema: "PartitionWithOffsetsData",
			want: map[string]any{"earliest_offset": 3.0, "latest_offset": 42.0, "kind": "KafkaPartitionWithOffsets"}},
		{name: "partition offsets, bad offset type", method: "GET", path: adminV3 + "/topics/orders/partitions/0/offset?offset_type=middle",
			status: 400, code: 400, message: "offset_type must be"},
		{name: "offsets of an unknown partition", method: "GET", path: adminV3 + "/topics/orders/partitions/9/offset", status: 404, code: 40403},
		{name: "replicas", method: "GET", path: adminV3 + "/topics/orders/partitions/0/replicas", setup: adminWithReplicas,
			status: 200, v3Schema: "ReplicaDataList",
			check: func(t *testing.T, _ *fakeCluster, resp *gateway.Response) {
				data := jsonDocs(t, resp.Body)[0]["data"].([]any)
				var got []string
				for _, d := range data {
					m := d.(map[string]any)
					got = append(got, strings.Join([]string{adminJSON(m["broker_id"]), adminJSON(m["is_leader"]), adminJSON(m["is_in_sync"])}, " "))
				}
				if diff := cmp.Diff([]string{"1 true true", "2 false false"}, got); diff != "" {
					t.Errorf("replicas (-want +got):\n%s", diff)
				}
			}},
		{name: "replica", method: "GET", path: adminV3 + "/topics/orders/partitions/0/replicas/2", setup: adminWithReplicas,
			status: 200, v3Schema: "ReplicaData", want: map[string]any{"broker_id": 2.0, "is_leader": false}},
		{name: "unknown replica", method: "GET", path: adminV3 + "/topics/orders/partitions/0/replicas/5", setup: adminWithReplicas,
			status: 404, code: 404},

		// The Strimzi bridge (v2).
		{name: "v2 topics", method: "GET", path: "/topics", status: 200,
			setup: func(f *fakeCluster) {
				f.topics["__consumer_offsets"] = kafka.TopicInfo{Name: "__consumer_offsets", Internal: true}
			},
			check: func(t *testing.T, _ *fakeCluster, resp *gateway.Response) {
				if got := string(resp.Body); got != `["audit","orders"]` {
					t.Errorf("body %s", got)
				}
				if ct := resp.Headers["content-type"]; ct != "application/vnd.kafka.v2+json" {
					t.Errorf("content-type %q", ct)
				}
			}},
		{name: "v2 topic", method: "GET", path: "/topics/orders", setup: adminWithReplicas, status: 200, v2Schema: "TopicMetadata",
			want:  map[string]any{"name": "orders", "configs": map[string]any{"cleanup.policy": "delete", "max.message.bytes": "1048588", "retention.ms": "604800000"}},
			check: adminConfigsFromTopicInfo},
		{name: "v2 unknown topic", method: "GET", path: "/topics/nope", status: 404, code: 404},
		{name: "v2 partitions", method: "GET", path: "/topics/orders/partitions", setup: adminWithReplicas, status: 200,
			check: func(t *testing.T, _ *fakeCluster, resp *gateway.Response) {
				var ps []map[string]any
				if err := json.Unmarshal(resp.Body, &ps); err != nil || len(ps) != 3 {
					t.Fatalf("body %s: %v", resp.Body, err)
				}
				for _, p := range ps {
					b, _ := json.Marshal(p)
					if err := specV2.Check("PartitionMetadata", b); err != nil {
						t.Error(err)
					}
				}
			}},
		{name: "v2 partition", method: "GET", path: "/topics/orders/partitions/0", setup: adminWithReplicas, status: 200, v2Schema: "PartitionMetadata",
			want: map[string]any{"partition": 0.0, "leader": 1.0, "replicas": []any{
				map[string]any{"broker": 1.0, "leader": true, "in_sync": true},
				map[string]any{"broker": 2.0, "leader": false, "in_sync": false}}}},
		{name: "v2 unknown partition", method: "GET", path: "/topics/orders/partitions/4", status: 404, code: 404},
		{name: "v2 offsets", method: "GET", path: "/topics/orders/partitions/0/offsets", setup: adminWithReplicas, status: 200,
			v2Schema: "OffsetsSummary", want: map[string]any{"beginning_offset": 3.0, "end_offset": 42.0}},
		{name: "v2 create topic", method: "POST", path: "/admin/topics", contentType: v2js, body: `{"topic_name":"v2new","partitions_count":2}`,
			status: 201,
			check: func(t *testing.T, f *fakeCluster, resp *gateway.Response) {
				if len(f.topics["v2new"].Partitions) != 2 || len(resp.Body) != 0 {
					t.Errorf("created %+v, body %q", f.topics["v2new"], resp.Body)
				}
			}},
		{name: "v2 create topic as application/json", method: "POST", path: "/admin/topics", contentType: js, body: `{"topic_name":"v2new"}`,
			status: 415, code: 415},
		{name: "v2 create topic with v3 fields", method: "POST", path: "/admin/topics", contentType: v2js,
			body: `{"topic_name":"v2new","validate_only":true}`, status: 422, code: 422, message: `unknown field "validate_only"`},
		{name: "v2 create an existing topic", method: "POST", path: "/admin/topics", contentType: v2js, body: `{"topic_name":"orders"}`,
			status: 400, code: 400, message: "already exists"},
		{name: "v2 create denied", method: "POST", path: "/admin/topics", contentType: v2js, body: `{"topic_name":"v2new"}`,
			deny: "CREATE", status: 403, code: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e.cluster)
			}
			if tt.deny != "" {
				e.policy.decide = func(in *policy.Input) policy.Decision { return policy.Decision{Allow: in.Operation != tt.deny} }
			}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			resp := e.serve(t, adminRequest(tt.method, tt.path, tt.contentType, tt.body), body)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.Status, tt.status, resp.Body)
			}
			if tt.code != 0 {
				code, msg := errorBody(t, resp)
				if code != tt.code || !strings.Contains(msg, tt.message) {
					t.Errorf("error %d %q, want %d containing %q", code, msg, tt.code, tt.message)
				}
			}
			for spec, schema := range map[*speccheck.Spec]string{specV3: tt.v3Schema, specV2: tt.v2Schema} {
				if schema == "" {
					continue
				}
				if err := spec.Check(schema, resp.Body); err != nil {
					t.Errorf("body does not fit %s: %v\n%s", schema, err, resp.Body)
				}
			}
			if tt.want != nil {
				doc := jsonDocs(t, resp.Body)[0]
				for k, want := range tt.want {
					if diff := cmp.Diff(want, doc[k]); diff != "" {
						t.Errorf("field %s (-want +got):\n%s", k, diff)
					}
				}
			}
			if tt.check != nil {
				tt.check(t, e.cluster, resp)
			}
		})
	}
}

func adminJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// adminWantOverrides checks orders' config overrides afterwards (nil: none
// were ever set).
func adminWantOverrides(want map[string]string) func(t *testing.T, f *fakeCluster, _ *gateway.Response) {
	return func(t *testing.T, f *fakeCluster, _ *gateway.Response) {
		t.Helper()
		if diff := cmp.Diff(want, f.admin.overrides["orders"]); diff != "" {
			t.Errorf("orders' overrides (-want +got):\n%s", diff)
		}
	}
}

// Creating a topic asks the policy about the topic named in the body, once,
// and the policy sees it as the resource.
func TestAdmin_CreateAsksThePolicyAboutTheNamedTopic(t *testing.T) {
	e := newEnv(t)
	body := `{"topic_name":"new","partitions_count":1,"replication_factor":1}`
	resp := e.serve(t, adminRequest("POST", adminV3+"/topics", "application/json", body), []byte(body))
	if resp.Status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	seen := e.policy.seen()
	if len(seen) != 1 {
		t.Fatalf("%d decisions, want 1", len(seen))
	}
	in := seen[0]
	if in.Action != "create_topic" || in.Operation != "CREATE" || in.Topic != "new" || in.Resource != (policy.Resource{Type: "TOPIC", Name: "new"}) {
		t.Errorf("input: action %s, operation %s, topic %s, resource %+v", in.Action, in.Operation, in.Topic, in.Resource)
	}
}

// /brokers/-/configs asks every broker at once: each fake broker answers
// only once all have been asked, which a broker-by-broker loop never
// reaches. Configs come in broker order; one broker's error fails the
// request.
func TestAdmin_AllBrokerConfigsAskedAtOnce(t *testing.T) {
	for _, failing := range []int32{0, 2} {
		e := newEnv(t)
		e.cluster.brokers = []kafka.Broker{{ID: 3}, {ID: 1}, {ID: 2}}
		var asked sync.WaitGroup
		asked.Add(len(e.cluster.brokers))
		all := make(chan struct{})
		go func() { asked.Wait(); close(all) }()
		e.cluster.admin.brokerConfigs = func(b int32) ([]kafka.ConfigEntry, error) {
			asked.Done()
			select {
			case <-all:
			case <-time.After(5 * time.Second):
				return nil, errors.New("broker configs asked one broker at a time")
			}
			if b == failing {
				return nil, ck.NewError(ck.ErrBrokerNotAvailable, "Broker: Broker not available", false)
			}
			v := fmt.Sprint(b)
			return []kafka.ConfigEntry{{Name: "broker.id", Value: &v, Source: "STATIC_BROKER_CONFIG"}}, nil
		}
		resp := e.serve(t, adminRequest("GET", adminV3+"/brokers/-/configs", "", ""), nil)
		if failing != 0 {
			if resp.Status != 503 {
				t.Errorf("one broker failing: status %d %s", resp.Status, resp.Body)
			}
			continue
		}
		if resp.Status != 200 {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
		var got []string
		for _, d := range jsonDocs(t, resp.Body)[0]["data"].([]any) {
			got = append(got, d.(map[string]any)["value"].(string))
		}
		if diff := cmp.Diff([]string{"3", "1", "2"}, got); diff != "" {
			t.Errorf("configs by broker (-want +got):\n%s", diff)
		}
	}
}

// Admin requests show the policy what they ask Kafka to set (input.admin),
// so a policy can refuse some values: here retention.ms=-1 (keep forever)
// and more than 10 partitions. A refused change changes nothing.
func TestAdmin_PolicySeesWhatIsAsked(t *testing.T) {
	noForever := func(in *policy.Input) policy.Decision {
		if in.Admin == nil {
			return policy.Decision{Allow: true}
		}
		for _, c := range in.Admin.Configs {
			if c.Name == "retention.ms" && c.Value != nil && *c.Value == "-1" {
				return policy.Decision{Allow: false, Reason: "topics may not keep data forever"}
			}
		}
		if n := in.Admin.PartitionsCount; n != nil && *n > 10 {
			return policy.Decision{Allow: false, Reason: "at most 10 partitions"}
		}
		return policy.Decision{Allow: true}
	}
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		want                     *policy.Admin // the last decision's input.admin
		decisions                int
	}{
		{
			name: "create topic", method: "POST", path: adminV3 + "/topics",
			body:       `{"topic_name":"new","partitions_count":3,"replication_factor":1,"configs":[{"name":"retention.ms","value":"60000"},{"name":"cleanup.policy","value":"compact"}]}`,
			wantStatus: http.StatusCreated, decisions: 1,
			want: &policy.Admin{PartitionsCount: num(3), ReplicationFactor: num(1), Configs: []policy.AdminConfig{
				{Name: "cleanup.policy", Value: str("compact"), Operation: "SET"},
				{Name: "retention.ms", Value: str("60000"), Operation: "SET"},
			}},
		},
		{
			name: "create topic, refused value", method: "POST", path: adminV3 + "/topics",
			body:       `{"topic_name":"new","configs":[{"name":"retention.ms","value":"-1"}]}`,
			wantStatus: http.StatusForbidden, decisions: 1,
			want: &policy.Admin{Configs: []policy.AdminConfig{{Name: "retention.ms", Value: str("-1"), Operation: "SET"}}},
		},
		{
			name: "alter configs in a batch", method: "POST", path: adminV3 + "/topics/orders/configs:alter",
			body:       `{"data":[{"name":"retention.ms","value":"-1"},{"name":"cleanup.policy","operation":"DELETE"}]}`,
			wantStatus: http.StatusForbidden, decisions: 2,
			want: &policy.Admin{Configs: []policy.AdminConfig{
				{Name: "retention.ms", Value: str("-1"), Operation: "SET"},
				{Name: "cleanup.policy", Operation: "DELETE"},
			}},
		},
		{
			name: "update one config", method: "PUT", path: adminV3 + "/topics/orders/configs/retention.ms",
			body: `{"value":"60000"}`, wantStatus: http.StatusNoContent, decisions: 2,
			want: &policy.Admin{Configs: []policy.AdminConfig{{Name: "retention.ms", Value: str("60000"), Operation: "SET"}}},
		},
		{
			name: "reset one config", method: "DELETE", path: adminV3 + "/topics/orders/configs/retention.ms",
			wantStatus: http.StatusNoContent, decisions: 2,
			want: &policy.Admin{Configs: []policy.AdminConfig{{Name: "retention.ms", Operation: "DELETE"}}},
		},
		{
			name: "more partitions, refused", method: "PATCH", path: adminV3 + "/topics/orders",
			body: `{"partitions_count":12}`, wantStatus: http.StatusForbidden, decisions: 2,
			want: &policy.Admin{PartitionsCount: num(12)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = noForever
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			resp := e.serve(t, adminRequest(tt.method, tt.path, "application/json", tt.body), body)
			if resp.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.Status, tt.wantStatus, resp.Body)
			}
			seen := e.policy.seen()
			if len(seen) != tt.decisions {
				t.Fatalf("%d decisions, want %d", len(seen), tt.decisions)
			}
			if tt.decisions == 2 && seen[0].Admin != nil {
				t.Errorf("the headers' decision has input.admin %+v; the body is not read yet", seen[0].Admin)
			}
			if diff := cmp.Diff(tt.want, seen[len(seen)-1].Admin); diff != "" {
				t.Errorf("input.admin (-want +got):\n%s", diff)
			}
			if tt.wantStatus == http.StatusForbidden {
				if len(e.cluster.admin.altered) != 0 || e.cluster.topics["new"].Name != "" || len(e.cluster.topics["orders"].Partitions) != 3 {
					t.Errorf("a refused request changed something: altered %v, topics %v", e.cluster.admin.altered, e.cluster.topics)
				}
			}
		})
	}
}
