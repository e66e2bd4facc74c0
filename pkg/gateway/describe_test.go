package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

func TestDescribe_Endpoints(t *testing.T) {
	const base = "https://gw.example.com/kafka/v3/clusters/lkc-1"
	tests := []struct {
		name string
		path string
		want map[string]any // top-level fields of the body
		data []string       // for lists: the self link of each item
	}{
		{
			name: "list clusters", path: "/kafka/v3/clusters",
			want: map[string]any{"kind": "KafkaClusterList"},
			data: []string{base},
		},
		{
			name: "get cluster", path: "/kafka/v3/clusters/lkc-1",
			want: map[string]any{"kind": "KafkaCluster", "cluster_id": "lkc-1"},
		},
		{
			name: "list topics, sorted", path: "/kafka/v3/clusters/lkc-1/topics",
			want: map[string]any{"kind": "KafkaTopicList"},
			data: []string{base + "/topics/audit", base + "/topics/orders"},
		},
		{
			name: "get topic", path: "/kafka/v3/clusters/lkc-1/topics/orders",
			want: map[string]any{"kind": "KafkaTopic", "cluster_id": "lkc-1", "topic_name": "orders", "partitions_count": 3.0, "replication_factor": 3.0, "is_internal": false},
		},
		{
			name: "list partitions", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions",
			want: map[string]any{"kind": "KafkaPartitionList"},
			data: []string{base + "/topics/orders/partitions/0", base + "/topics/orders/partitions/1", base + "/topics/orders/partitions/2"},
		},
		{
			name: "links follow the caller's prefix", path: "/v3/clusters/lkc-1",
			want: map[string]any{"kind": "KafkaCluster", "metadata": map[string]any{"self": "https://gw.example.com/v3/clusters/lkc-1", "resource_name": "crn:///kafka=lkc-1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.serve(t, get(tt.path, map[string]string{"authorization": demoAuth}), nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d, body %s", resp.Status, resp.Body)
			}
			wantHeaders := map[string]string{"content-type": "application/json", "x-request-id": "req-1", "x-topicgate-decision-id": "decision-1"}
			if diff := cmp.Diff(wantHeaders, resp.Headers); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			docs := jsonDocs(t, resp.Body)
			if len(docs) != 1 {
				t.Fatalf("body has %d documents", len(docs))
			}
			for k, want := range tt.want {
				if diff := cmp.Diff(want, docs[0][k]); diff != "" {
					t.Errorf("field %s mismatch (-want +got):\n%s", k, diff)
				}
			}
			if tt.data != nil {
				items, _ := docs[0]["data"].([]any)
				var selfs []string
				for _, it := range items {
					selfs = append(selfs, it.(map[string]any)["metadata"].(map[string]any)["self"].(string))
				}
				if diff := cmp.Diff(tt.data, selfs); diff != "" {
					t.Errorf("data mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestDescribe_ListClustersSkipsClustersThatDoNotAnswer(t *testing.T) {
	down := newFakeCluster("down", "")
	down.describeErr = ck.NewError(ck.ErrTransport, "Local: Broker transport failure", false)
	e := newEnv(t, down)
	resp := e.serve(t, get("/kafka/v3/clusters", nil), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d, body %s", resp.Status, resp.Body)
	}
	data := jsonDocs(t, resp.Body)[0]["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["cluster_id"] != "lkc-1" {
		t.Errorf("data = %v, want only lkc-1", data)
	}

	e.cluster.describeErr = down.describeErr
	resp = e.serve(t, get("/kafka/v3/clusters", nil), nil)
	if code, _ := errorBody(t, resp); resp.Status != http.StatusServiceUnavailable || code != 50003 || resp.Headers["retry-after"] != "1" {
		t.Errorf("with every cluster down: status %d, code %d, headers %v; want 503/50003 with retry-after 1", resp.Status, code, resp.Headers)
	}
}

func TestDescribe_Errors(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		code        int
		message     string
		headers     map[string]string // expected among the response headers
		policyCalls int
	}{
		{name: "unknown cluster id", method: "GET", path: "/kafka/v3/clusters/lkc-9/topics", status: 404, code: 404, message: "Cluster lkc-9 cannot be found."},
		{name: "unknown topic", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics/nope", status: 404, code: 40403,
			message: "This server does not host this topic-partition.", policyCalls: 1},
		{name: "unknown path", method: "GET", path: "/kafka/v3/acls", status: 404, code: 404, message: "HTTP 404 Not Found"},
		{name: "wrong method", method: "PUT", path: "/kafka/v3/clusters/lkc-1", status: 405, code: 405, message: "HTTP 405 Method Not Allowed",
			headers: map[string]string{"allow": "GET"}},
		{name: "invalid topic name", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics/a%20b", status: 400, code: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			req := get(tt.path, nil)
			req.Method = tt.method
			resp := e.serve(t, req, nil)
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || (tt.message != "" && msg != tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			if resp.Headers["content-type"] != "application/json" || resp.Headers["x-request-id"] != "req-1" {
				t.Errorf("headers %v lack content-type or x-request-id", resp.Headers)
			}
			for k, v := range tt.headers {
				if resp.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, resp.Headers[k], v)
				}
			}
			if n := len(e.policy.seen()); n != tt.policyCalls {
				t.Errorf("the policy was asked %d times, want %d", n, tt.policyCalls)
			}
			if _, ok := resp.Headers["x-topicgate-decision-id"]; ok != (tt.policyCalls > 0) {
				t.Errorf("x-topicgate-decision-id present=%v, want %v", ok, tt.policyCalls > 0)
			}
		})
	}
}

func TestRequestInput(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		headers map[string]string
		want    policy.Input
	}{
		{
			name: "cluster operation, anonymous, secrets and pseudo-headers removed",
			path: "/kafka/v3/clusters/lkc-1/topics?include=all",
			headers: map[string]string{
				"cookie": "s=1", "x-api-key": "k", "proxy-authorization": "p", "user-agent": "curl/8",
			},
			want: policy.Input{
				Version: "v1", Phase: "request", Action: "list_topics", Operation: "DESCRIBE",
				Resource: policy.Resource{Type: "CLUSTER", Name: "kafka-cluster"},
				Cluster:  policy.Cluster{Name: "default", ID: "lkc-1"}, Principal: policy.Principal{Type: "anonymous", ID: "anonymous", Sources: []string{}, Groups: []string{}},
				Request: policy.Request{ID: "req-1", Method: "GET", Path: "/kafka/v3/clusters/lkc-1/topics", API: "v3",
					Query: map[string][]string{"include": {"all"}}, Headers: map[string]string{"user-agent": "curl/8"}, Source: "10.0.0.7:5000"},
			},
		},
		{
			name:    "topic operation with an API key",
			path:    "/v3/clusters/lkc-1/topics/orders",
			headers: map[string]string{"authorization": demoAuth},
			want: policy.Input{
				Version: "v1", Phase: "request", Action: "get_topic", Operation: "DESCRIBE",
				Resource: policy.Resource{Type: "TOPIC", Name: "orders"}, Topic: "orders",
				Cluster: policy.Cluster{Name: "default", ID: "lkc-1"}, Principal: policy.Principal{Type: "api_key", ID: "demo", Sources: []string{"api_key"}, Groups: []string{}},
				Request: policy.Request{ID: "req-1", Method: "GET", Path: "/v3/clusters/lkc-1/topics/orders", API: "v3",
					Query: map[string][]string{}, Headers: map[string]string{}, Source: "10.0.0.7:5000"},
			},
		},
		{
			name: "list clusters names no cluster",
			path: "/kafka/v3/clusters",
			want: policy.Input{
				Version: "v1", Phase: "request", Action: "list_clusters", Operation: "DESCRIBE",
				Resource: policy.Resource{Type: "CLUSTER", Name: "kafka-cluster"}, Principal: policy.Principal{Type: "anonymous", ID: "anonymous", Sources: []string{}, Groups: []string{}},
				Request: policy.Request{ID: "req-1", Method: "GET", Path: "/kafka/v3/clusters", API: "v3",
					Query: map[string][]string{}, Headers: map[string]string{}, Source: "10.0.0.7:5000"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.serve(t, get(tt.path, tt.headers), nil)
			seen := e.policy.seen()
			if len(seen) == 0 {
				t.Fatal("the policy was not asked")
			}
			for _, in := range seen[1:] { // list items, each decided on its own
				if in.Phase != policy.PhaseItem {
					t.Errorf("the policy was asked again in phase %q, want only the request's decision and list items", in.Phase)
				}
			}
			if diff := cmp.Diff(&tt.want, seen[0]); diff != "" {
				t.Errorf("input mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// barrierCluster answers Describe only once every cluster of the list is
// being asked: a gateway that asked one after another would never get past it.
type barrierCluster struct {
	*fakeCluster
	arrived *sync.WaitGroup
}

func (b barrierCluster) Describe(ctx context.Context) (kafka.ClusterInfo, error) {
	b.arrived.Done()
	done := make(chan struct{})
	go func() { b.arrived.Wait(); close(done) }()
	select {
	case <-done:
		return b.fakeCluster.Describe(ctx)
	case <-time.After(5 * time.Second):
		return kafka.ClusterInfo{}, errors.New("clusters were asked one after another")
	}
}

func TestDescribe_ListClustersAsksAllAtOnce(t *testing.T) {
	var arrived sync.WaitGroup
	arrived.Add(3)
	e := newEnv(t)
	e.g = gateway.New(gateway.Options{
		Clusters: []gateway.Cluster{barrierCluster{e.cluster, &arrived},
			barrierCluster{newFakeCluster("b", "lkc-2"), &arrived}, barrierCluster{newFakeCluster("c", "lkc-3"), &arrived}},
		Auth: fakeAuth{}, Policy: e.policy, Log: zap.NewNop(), Metrics: metrics.New(),
		MaxBodyBytes: 4096, MaxRecords: 10, ProduceTimeout: time.Second,
	})
	resp := e.serve(t, get("/kafka/v3/clusters", nil), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d, body %s", resp.Status, resp.Body)
	}
	var ids []string
	for _, d := range jsonDocs(t, resp.Body)[0]["data"].([]any) {
		ids = append(ids, d.(map[string]any)["cluster_id"].(string))
	}
	if strings.Join(ids, ",") != "lkc-1,lkc-2,lkc-3" {
		t.Errorf("clusters %v, want all three in configuration order", ids)
	}
}
