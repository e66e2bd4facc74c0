package gateway_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

// tenantEnv is an env whose policy sends the request phase of every
// request to the topic tenant-a.<topic>, which exists with one partition.
func tenantEnv(t *testing.T) *env {
	e := newEnv(t)
	e.cluster.topics["tenant-a.orders"] = kafka.TopicInfo{
		Name: "tenant-a.orders", ReplicationFactor: 1, Partitions: []kafka.PartitionInfo{{ID: 0, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}}},
	}
	e.policy.decide = func(in *policy.Input) policy.Decision {
		if in.Phase == policy.PhaseRequest && in.Topic != "" {
			return policy.Decision{Allow: true, Topic: "tenant-a." + in.Topic}
		}
		return policy.Decision{Allow: true}
	}
	return e
}

func authz() map[string]string { return map[string]string{"authorization": demoAuth} }

// A rewritten produce writes to the decision's topic, and the answers show
// the client's name only.
func TestTopicRewrite_Produce(t *testing.T) {
	tests := []struct {
		name string
		req  func() (path string, headers map[string]string)
		body string
		want string // the answer's body
	}{
		{
			name: "v3 records", body: stringRecord("a"),
			req:  func() (string, map[string]string) { return recordsPath, authz() },
			want: `{"error_code":200,"cluster_id":"lkc-1","topic_name":"orders","partition_id":0,"offset":100,"timestamp":"2024-05-01T12:00:00Z","value":{"type":"STRING","size":1}}`,
		},
		{
			name: "v3 batch", body: `{"entries":[{"id":"x","value":{"type":"STRING","data":"a"}}]}`,
			req:  func() (string, map[string]string) { return produceBatchPath, authz() },
			want: `{"successes":[{"id":"x","cluster_id":"lkc-1","topic_name":"orders","partition_id":0,"offset":100,"timestamp":"2024-05-01T12:00:00Z","value":{"type":"STRING","size":1}}],"failures":[]}`,
		},
		{
			name: "v2", body: `{"records":[{"value":"YQ=="}]}`,
			req:  func() (string, map[string]string) { return produceV2Path, produceV2Post(produceV2Binary) },
			want: `{"offsets":[{"partition":0,"offset":100}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenantEnv(t)
			path, headers := tt.req()
			resp := e.serve(t, post(path, headers), []byte(tt.body))
			if resp.Status/100 != 2 || string(resp.Body) != tt.want {
				t.Errorf("got %d %s\nwant %s", resp.Status, resp.Body, tt.want)
			}
			msgs := e.cluster.messages()
			if len(msgs) != 1 || msgs[0].Topic != "tenant-a.orders" || string(msgs[0].Value) != "a" {
				t.Fatalf("produced %+v, want a in tenant-a.orders", msgs)
			}
			seen := e.policy.seen()
			if len(seen) != 2 {
				t.Fatalf("%d decisions, want 2", len(seen))
			}
			records := seen[1]
			wantTarget := &policy.Target{Topic: "tenant-a.orders", Cluster: policy.Cluster{Name: "default", ID: "lkc-1"}}
			if records.Topic != "orders" || records.Resource.Name != "orders" || !cmp.Equal(wantTarget, records.Target) {
				t.Errorf("records phase: topic %q, resource %q, target %+v; want orders, orders, %+v", records.Topic, records.Resource.Name, records.Target, wantTarget)
			}
			if seen[0].Target != nil {
				t.Errorf("the request phase has a target: %+v", seen[0].Target)
			}
		})
	}
}

// Describing and reading a rewritten topic: the real topic's metadata and
// records, under the client's name.
func TestTopicRewrite_DescribeAndRead(t *testing.T) {
	tests := []struct {
		name, path string
		want       string // a part of the body
	}{
		{name: "v3 topic", path: "/kafka/v3/clusters/lkc-1/topics/orders", want: `"partitions_count":1`},
		{name: "v3 partitions", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions", want: `/topics/orders/partitions/0"`},
		{name: "v3 partition", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions/0", want: `"topic_name":"orders"`},
		{name: "v3 partition offsets", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions/0/offset", want: `"latest_offset":9`},
		{name: "v3 replicas", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions/0/replicas", want: `"broker_id":1`},
		{name: "v2 topic", path: "/topics/orders", want: `"name":"orders"`},
		{name: "v2 partitions", path: "/topics/orders/partitions", want: `"partition":0`},
		{name: "v3 read", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions/0/records", want: `"topic_name":"orders"`},
		{name: "v2 read", path: "/topics/orders/partitions/0/records", want: `"topic":"orders"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenantEnv(t)
			e.cluster.logs = map[kafka.TopicPartition][2]int64{{Topic: "tenant-a.orders", Partition: 0}: {3, 9}}
			reqs := readsRecorder(e, readsTwo)
			resp := e.serve(t, get(tt.path, authz()), nil)
			if resp.Status != 200 || !strings.Contains(string(resp.Body), tt.want) {
				t.Fatalf("got %d %s, want 200 with %s", resp.Status, resp.Body, tt.want)
			}
			if strings.Contains(string(resp.Body), "tenant-a") {
				t.Errorf("the answer shows the real topic: %s", resp.Body)
			}
			for _, r := range *reqs {
				if r.Topic != "tenant-a.orders" {
					t.Errorf("read %q, want tenant-a.orders", r.Topic)
				}
			}
		})
	}
	// Partition 1 exists in orders, not in tenant-a.orders: the error is
	// about the target, named as the client named it.
	e := tenantEnv(t)
	resp := e.serve(t, get("/kafka/v3/clusters/lkc-1/topics/orders/partitions/1", authz()), nil)
	if code, msg := errorBody(t, resp); resp.Status != 404 || code != 40403 || !strings.Contains(msg, "orders has no partition 1 (it has 1)") || strings.Contains(msg, "tenant-a") {
		t.Errorf("got %d/%d %q", resp.Status, code, msg)
	}
}

func TestTopicRewrite_Refused(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		method string
		decide func(in *policy.Input) policy.Decision
		status int
		code   int
	}{
		{
			name: "a target that does not exist is an unknown topic", path: "/kafka/v3/clusters/lkc-1/topics/orders",
			decide: func(*policy.Input) policy.Decision { return policy.Decision{Allow: true, Topic: "tenant-b.orders"} },
			status: 404, code: 40403,
		},
		{
			name: "an action that cannot be rewritten denies", path: "/kafka/v3/clusters/lkc-1/topics/orders", method: "DELETE",
			decide: func(*policy.Input) policy.Decision { return policy.Decision{Allow: true, Topic: "tenant-a.orders"} },
			status: 403, code: 40301,
		},
		{
			name: "naming the path's own topic is no rewrite", path: "/kafka/v3/clusters/lkc-1/topics/orders", method: "DELETE",
			decide: func(*policy.Input) policy.Decision { return policy.Decision{Allow: true, Topic: "orders"} },
			status: 204,
		},
		{
			name: "the records phase may not move the records", path: recordsPath, method: "POST",
			decide: func(in *policy.Input) policy.Decision {
				if in.Phase == policy.PhaseRecords {
					return policy.Decision{Allow: true, Topic: "audit"}
				}
				return policy.Decision{Allow: true, Topic: "tenant-a.orders"}
			},
			status: 403, code: 40301,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenantEnv(t)
			e.policy.decide = tt.decide
			req := get(tt.path, authz())
			if tt.method != "" {
				req.Method, req.Headers[":method"] = tt.method, tt.method
			}
			var body []byte
			if tt.method == "POST" {
				req = post(tt.path, authz())
				body = []byte(stringRecord("a"))
			}
			resp := e.serve(t, req, body)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tt.status, resp.Body)
			}
			if tt.code != 0 {
				if code, msg := errorBody(t, resp); code != tt.code || strings.Contains(msg, "tenant") {
					t.Errorf("error %d %q", code, msg)
				}
			}
			if n := len(e.cluster.messages()); n != 0 {
				t.Errorf("%d records written", n)
			}
			if tt.status != 204 && len(e.cluster.admin.deleted) != 0 {
				t.Errorf("deleted %v", e.cluster.admin.deleted)
			}
		})
	}
}

// The second cluster of cluster-choice tests: "second", id lkc-2.
func clustersEnv(t *testing.T, choose string) (*env, *fakeCluster) {
	second := newFakeCluster("second", "lkc-2")
	e := newEnv(t, second)
	e.policy.decide = func(in *policy.Input) policy.Decision { return policy.Decision{Allow: true, Cluster: choose} }
	return e, second
}

func TestClusterChoice_V2ProduceGoesToTheChosenCluster(t *testing.T) {
	e, second := clustersEnv(t, "second")
	resp := e.serve(t, post(produceV2Path, produceV2Post(produceV2Binary)), []byte(`{"records":[{"value":"YQ=="}]}`))
	if resp.Status != 200 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if len(second.messages()) != 1 || len(e.cluster.messages()) != 0 {
		t.Errorf("second got %d records, default %d; want 1 and 0", len(second.messages()), len(e.cluster.messages()))
	}
	records := e.policy.seen()[1]
	if records.Cluster.Name != "default" || records.Target.Cluster != (policy.Cluster{Name: "second", ID: "lkc-2"}) {
		t.Errorf("records phase: cluster %+v, target %+v", records.Cluster, records.Target)
	}
}

func TestClusterChoice(t *testing.T) {
	tests := []struct {
		name   string
		choose string
		path   string
		status int
		want   string // a part of the body
	}{
		{name: "v2 topics of the chosen cluster", choose: "second", path: "/topics/audit", status: 200, want: `"name":"audit"`},
		{name: "an unknown cluster denies", choose: "nowhere", path: "/topics/audit", status: 403, want: `"error_code":403`},
		{name: "v3: the cluster the path names", choose: "default", path: "/kafka/v3/clusters/lkc-1/topics/orders", status: 200, want: `"cluster_id":"lkc-1"`},
		{name: "v3: another cluster than the path's denies", choose: "second", path: "/kafka/v3/clusters/lkc-1/topics/orders", status: 403, want: `"error_code":40301`},
		{name: "list_clusters lists the chosen one", choose: "second", path: "/kafka/v3/clusters", status: 200, want: `"cluster_id":"lkc-2"`},
		{name: "consumer instances stay on the default cluster", choose: "second", path: "/consumers/g/instances/i/subscription", status: 403, want: `"error_code":403`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := clustersEnv(t, tt.choose)
			resp := e.serve(t, get(tt.path, authz()), nil)
			if resp.Status != tt.status || !strings.Contains(string(resp.Body), tt.want) {
				t.Errorf("got %d %s, want %d with %s", resp.Status, resp.Body, tt.status, tt.want)
			}
			if tt.name == "list_clusters lists the chosen one" && strings.Contains(string(resp.Body), "lkc-1") {
				t.Errorf("list_clusters shows the other cluster: %s", resp.Body)
			}
		})
	}
}
