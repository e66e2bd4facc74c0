package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/consumer"
	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

// guardEnv is a guard without Kafka (mode guard): no cluster, the API key
// demoAuth, and a policy that allows unless told otherwise.
func guardEnv(clusters ...gateway.Cluster) (*gateway.Gateway, *fakePolicy) {
	p := &fakePolicy{}
	return gateway.New(gateway.Options{
		Clusters: clusters,
		Auth:     fakeAuth{demoAuth: {Type: identity.TypeAPIKey, ID: "demo"}},
		Policy:   p, Log: zap.NewNop(), Metrics: metrics.New(),
		MaxBodyBytes: 4096, MaxRecords: 10,
	}), p
}

// guardRequest is a request as pkg/extauthz builds it: the body, when there
// is one, sent whole by Envoy.
func guardRequest(method, path, contentType, body string) (*gateway.Request, gateway.Body) {
	req := get(path, map[string]string{"authorization": demoAuth})
	req.Method, req.Headers[":method"] = method, method
	if body == "" {
		return req, gateway.Body{}
	}
	req.EndOfStream = false
	req.Headers["content-type"] = contentType
	req.Headers["content-length"] = strconv.Itoa(len(body))
	return req, gateway.Body{Data: []byte(body), Sent: true}
}

// question is what a decision asks, without who and where.
type question struct {
	Phase, Action, Operation string
	Resource                 policy.Resource
	Topic, Group             string
	Records                  int
	Admin                    *policy.Admin
}

func questions(inputs []*policy.Input) []question {
	out := make([]question, len(inputs))
	for i, in := range inputs {
		out[i] = question{in.Phase, in.Action, in.Operation, in.Resource, in.Topic, in.Group, len(in.Records), in.Admin}
	}
	return out
}

// The guard asks the policy exactly what the gateway asks for the same
// request, for every action that decides more than the request phase:
// resources in the body, topics in a group's path, records.
func TestAuthorize_AsksWhatTheGatewayAsks(t *testing.T) {
	const (
		v3c  = "/kafka/v3/clusters/lkc-1"
		js   = "application/json"
		v2   = "application/vnd.kafka.v2+json"
		v2js = "application/vnd.kafka.json.v2+json"
		inst = "/consumers/g1/instances/c"
	)
	tests := []struct {
		method, path, contentType, body string
		assigned                        bool // the instance g1/c is assigned orders 0-2 and audit 0 first
	}{
		{"GET", v3c + "/topics", "", "", false},
		{"GET", v3c + "/topics/orders", "", "", false},
		{"GET", "/topics/orders", "", "", false},
		{"POST", v3c + "/topics", js, `{"topic_name":"fresh","partitions_count":1}`, false},
		{"POST", "/admin/topics", v2js, `{"topic_name":"fresh2"}`, false},
		{"DELETE", v3c + "/topics/audit", "", "", false},
		{"PATCH", v3c + "/topics/orders", js, `{"partitions_count":5}`, false},
		{"PUT", v3c + "/topics/orders/configs/retention.ms", js, `{"value":"1000"}`, false},
		{"DELETE", v3c + "/topics/orders/configs/retention.ms", "", "", false},
		{"POST", v3c + "/topics/orders/configs:alter", js, `{"data":[{"name":"retention.ms","value":"1000"},{"name":"cleanup.policy","operation":"DELETE"}]}`, false},
		{"POST", v3c + "/topics/orders/records", js, `{"value":{"type":"STRING","data":"a"}}{"key":{"type":"JSON","data":1}}`, false},
		{"POST", v3c + "/topics/orders/records:batch", js, `{"entries":[{"id":"a","value":{"type":"STRING","data":"a"}},{"id":"b"}]}`, false},
		{"POST", "/topics/orders", v2js, `{"records":[{"value":{"a":1}},{"key":"k","value":2}]}`, false},
		{"POST", "/topics/orders/partitions/1", v2js, `{"records":[{"value":3}]}`, false},
		{"GET", v3c + "/topics/orders/partitions/0/records?offset=0", "", "", false},
		{"GET", v3c + "/consumer-groups/billing", "", "", false},
		{"GET", v3c + "/consumer-groups/billing/lags/orders/partitions/0", "", "", false},
		{"GET", v3c + "/consumer-groups/billing/consumers/rdkafka-1/assignments/orders/partitions/0", "", "", false},
		{"GET", v3c + "/consumer-groups/billing/offsets/orders", "", "", false},
		{"POST", v3c + "/consumer-groups/idle/offsets/orders", js, `{"offsets":[{"partition_id":0,"offset":1}]}`, false},
		{"POST", inst + "/subscription", v2, `{"topics":["orders","audit"]}`, false},
		{"POST", inst + "/subscription", v2, `{"topic_pattern":"ord.*"}`, false},
		{"POST", inst + "/assignments", v2, `{"partitions":[{"topic":"orders","partition":0},{"topic":"audit","partition":0}]}`, false},
		{"POST", inst + "/offsets", v2, `{"offsets":[{"topic":"orders","partition":0,"offset":1}]}`, false},
		{"POST", inst + "/offsets", "", "", false},
		{"POST", inst + "/positions", v2, `{"offsets":[{"topic":"audit","partition":0,"offset":1}]}`, true},
		{"POST", inst + "/positions/beginning", v2, `{"partitions":[{"topic":"orders","partition":1}]}`, true},
		{"POST", inst + "/positions/end", v2, `{"partitions":[{"topic":"orders","partition":2}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			g, gp := gatewayForGuardComparison(t)
			if tt.assigned {
				req, body := guardRequest("POST", inst+"/assignments", v2,
					`{"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":1},{"topic":"orders","partition":2},{"topic":"audit","partition":0}]}`)
				if resp := (&env{g: g}).serve(t, req, body.Data); resp.Status != 204 {
					t.Fatalf("assigning: %d %s", resp.Status, resp.Body)
				}
			}
			before := len(gp.seen())
			req, body := guardRequest(tt.method, tt.path, tt.contentType, tt.body)
			resp := (&env{g: g}).serve(t, req, body.Data)
			if resp.Status >= 300 {
				t.Fatalf("the gateway answered %d: %s", resp.Status, resp.Body)
			}
			guard, p := guardEnv()
			req, body = guardRequest(tt.method, tt.path, tt.contentType, tt.body)
			if v := guard.Authorize(context.Background(), req, body); v.Denial != nil {
				t.Fatalf("the guard denied %d: %s", v.Denial.Status, v.Denial.Body)
			}
			if len(gp.seen()) == before {
				t.Fatal("the gateway asked nothing")
			}
			// A list's items are decided on the gateway's own answer; a
			// guard never sees the backend's, so it cannot filter them.
			asked := slices.DeleteFunc(gp.seen()[before:], func(in *policy.Input) bool { return in.Phase == policy.PhaseItem })
			if diff := cmp.Diff(questions(asked), questions(p.seen())); diff != "" {
				t.Errorf("questions (-gateway +guard):\n%s", diff)
			}
		})
	}
}

// gatewayForGuardComparison is a gateway whose cluster has the groups of
// groupsEnv, and the consumer instance g1/c of the principal demo.
func gatewayForGuardComparison(t *testing.T) (*gateway.Gateway, *fakePolicy) {
	ge := groupsEnv(t)
	ge.cluster.read = func(kafka.ReadRequest) (kafka.ReadResult, error) { return kafka.ReadResult{}, nil }
	m := consumer.New(consumer.Options{
		Open: func(kafka.ConsumerSettings) (consumer.Kafka, error) {
			return &consumersFake{closed: make(chan struct{})}, nil
		},
		IdleTimeout: time.Minute, MaxInstances: 5,
	})
	t.Cleanup(func() { m.Close(time.Second) })
	p := &fakePolicy{}
	g := gateway.New(gateway.Options{
		Clusters: []gateway.Cluster{ge.cluster},
		Auth:     fakeAuth{demoAuth: {Type: identity.TypeAPIKey, ID: "demo"}},
		Policy:   p, Log: zap.NewNop(), Metrics: metrics.New(),
		MaxBodyBytes: 4096, MaxRecords: 10, ProduceTimeout: time.Second, Consumers: m,
		Reads: gateway.ReadLimits{MaxWait: time.Second, MaxBytes: 1 << 20, MaxRecords: 100},
	})
	req, body := guardRequest("POST", "/consumers/g1", "application/vnd.kafka.v2+json", `{"name":"c","format":"json"}`)
	if resp := (&env{g: g}).serve(t, req, body.Data); resp.Status != 200 {
		t.Fatalf("creating the consumer instance: %d %s", resp.Status, resp.Body)
	}
	return g, p
}

func TestAuthorize_Verdicts(t *testing.T) {
	const (
		produce = "/kafka/v3/clusters/lkc-1/topics/orders/records"
		record  = `{"value":{"type":"STRING","data":"a"}}`
	)
	deny := func(reason string) func(*policy.Input) policy.Decision {
		return func(*policy.Input) policy.Decision { return policy.Decision{Reason: reason} }
	}
	allowWith := func(d policy.Decision) func(*policy.Input) policy.Decision {
		return func(in *policy.Input) policy.Decision {
			if in.Phase == policy.PhaseRecords {
				d.Allow = true
				return d
			}
			return policy.Decision{Allow: true}
		}
	}
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		edit        func(req *gateway.Request, body *gateway.Body)
		decide      func(*policy.Input) policy.Decision
		status      int // 0: allowed
		code        int
		message     string
		decisions   int
	}{
		{name: "allowed", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics/orders", decisions: 1},
		{name: "a produce is allowed in both phases", method: "POST", path: produce, contentType: "application/json", body: record + record, decisions: 2},
		{name: "a cluster topicgate does not know is the backend's", method: "GET", path: "/v3/clusters/lkc-elsewhere/topics", decisions: 1},
		{name: "the public document needs no decision", method: "GET", path: "/openapi.json"},
		{name: "an unknown path is refused in v3's shape", method: "GET", path: "/kafka/v3/acls", status: 404, code: 404, message: "HTTP 404 Not Found"},
		{name: "an unknown path is refused in the bridge's shape", method: "GET", path: "/healthy", status: 404, code: 404, message: "HTTP 404 Not Found"},
		{name: "another method", method: "PUT", path: "/topics/orders", status: 405, code: 405},
		{name: "bad credentials", method: "GET", path: "/v3/clusters/lkc-1/topics", edit: func(r *gateway.Request, _ *gateway.Body) { r.Credentials.Authorization = "Basic eDp5" },
			status: 401, code: 40101, message: "Authentication failed"},
		{name: "the request phase denies", method: "GET", path: "/v3/clusters/lkc-1/topics/orders", decide: deny("not yours"),
			status: 403, code: 40301, message: "Request is not authorized: not yours", decisions: 1},
		{name: "the request phase denies in the bridge's shape", method: "GET", path: "/topics/orders", decide: deny("not yours"),
			status: 403, code: 403, message: "Request is not authorized: not yours", decisions: 1},
		{name: "the records phase denies", method: "POST", path: produce, contentType: "application/json", body: record,
			decide: func(in *policy.Input) policy.Decision {
				return policy.Decision{Allow: in.Phase == policy.PhaseRequest, Reason: "no a"}
			}, status: 403, code: 40301, message: "Request is not authorized: no a", decisions: 2},
		{name: "denied records refuse the request, naming them", method: "POST", path: produce, contentType: "application/json", body: record + record + record,
			decide: allowWith(policy.Decision{Reason: "allowed", DeniedRecords: []policy.RecordDenial{{Index: 0, Reason: "secret"}, {Index: 2}}}),
			status: 403, code: 40301, message: "Request is not authorized: record 0: secret; record 2 is denied", decisions: 2},
		{name: "a topic rewrite cannot be applied", method: "POST", path: produce, contentType: "application/json", body: record,
			decide: allowWith(policy.Decision{Topic: "tenant.orders"}), status: 403, code: 40301, message: "Request is not authorized", decisions: 2},
		{name: "limits cannot be enforced", method: "GET", path: "/v3/clusters/lkc-1/topics/orders",
			decide: func(*policy.Input) policy.Decision {
				return policy.Decision{Allow: true, Limits: &policy.Limits{MaxRecords: 1}}
			},
			status: 403, code: 40301, message: "Request is not authorized", decisions: 1},
		{name: "a body Envoy did not send fails closed", method: "POST", path: produce, contentType: "application/json", body: record,
			edit:   func(_ *gateway.Request, b *gateway.Body) { *b = gateway.Body{} },
			status: 500, code: 500, message: "Internal Server Error", decisions: 1},
		{name: "a partial body is too large", method: "POST", path: produce, contentType: "application/json", body: record,
			edit:   func(_ *gateway.Request, b *gateway.Body) { b.Partial = true },
			status: 413, code: 413, message: "The request body exceeds the gateway's limit of 38 bytes.", decisions: 1},
		{name: "a body over max_body_bytes", method: "POST", path: produce, contentType: "application/json", body: strings.Repeat(record, 120),
			status: 413, code: 413, decisions: 1},
		{name: "an empty produce", method: "POST", path: produce, status: 422, code: 422, decisions: 1},
		{name: "a produce that does not parse", method: "POST", path: produce, contentType: "application/json", body: `{"value":`,
			status: 400, code: 400, decisions: 1},
		{name: "a media type the endpoint does not take", method: "POST", path: produce, contentType: "text/plain", body: record,
			status: 415, code: 415, decisions: 1},
		{name: "a record with topicgate's decision-id header is refused", method: "POST", path: produce, contentType: "application/json",
			body:   `{"value":{"type":"STRING","data":"a"},"headers":[{"name":"Topicgate-Decision-Id","value":"Zm9yZ2Vk"}]}`,
			status: 400, code: 400, message: "Bad Request: record 0: the record header topicgate-decision-id is reserved: topicgate sets it to the id of the decision that admitted the record", decisions: 1},
		{name: "a field in another letter case, which a backend may not read", method: "POST", path: produce, contentType: "application/json",
			body:   `{"value":{"type":"STRING","data":"SSN 123-45-6789","DATA":"ok"}}`,
			status: 400, code: 400, message: `Bad Request: record 0: value: unknown field "DATA" (field names are case-sensitive)`, decisions: 1},
		{name: "a field twice", method: "POST", path: produce, contentType: "application/json",
			body:   `{"value":{"type":"STRING","data":"a"},"value":{"type":"STRING","data":"b"}}`,
			status: 400, code: 400, message: `Bad Request: record 0: field "value" appears twice`, decisions: 1},
		{name: "a batch entry field in another case", method: "POST", path: produce + ":batch", contentType: "application/json",
			body:   `{"entries":[{"id":"a","Value":{"type":"STRING","data":"x"}}]}`,
			status: 400, code: 400, message: `Bad Request: entries[0]: unknown field "Value" (field names are case-sensitive)`, decisions: 1},
		{name: "a batch entry the guard cannot check", method: "POST", path: produce + ":batch", contentType: "application/json",
			body:   `{"entries":[{"id":"ok"},{"id":"bad","value":{"type":"BINARY","data":"not base64!"}}]}`,
			status: 400, code: 400, message: `Bad Request: entry "bad": value.data is not a base64 string`, decisions: 1},
		{name: "a v2 produce with a bad async", method: "POST", path: "/topics/orders?async=maybe", contentType: "application/vnd.kafka.json.v2+json",
			body: `{"records":[{"value":1}]}`, status: 400, code: 400, decisions: 1},
		{name: "a v2 produce that does not parse, in the bridge's shape", method: "POST", path: "/topics/orders", contentType: "application/vnd.kafka.json.v2+json",
			body: `{"records":[]}`, status: 422, code: 422, decisions: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, p := guardEnv()
			p.decide = tt.decide
			req, body := guardRequest(tt.method, tt.path, tt.contentType, tt.body)
			if tt.edit != nil {
				tt.edit(req, &body)
			}
			v := g.Authorize(context.Background(), req, body)
			if n := len(p.seen()); n != tt.decisions {
				t.Errorf("%d decisions, want %d", n, tt.decisions)
			}
			if tt.status == 0 {
				if v.Denial != nil {
					t.Fatalf("denied %d: %s", v.Denial.Status, v.Denial.Body)
				}
				want := map[string]string(nil)
				if tt.decisions > 0 {
					want = map[string]string{"x-topicgate-decision-id": fmt.Sprintf("decision-%d", tt.decisions)}
				}
				if diff := cmp.Diff(want, v.Headers); diff != "" {
					t.Errorf("headers (-want +got):\n%s", diff)
				}
				return
			}
			if v.Denial == nil {
				t.Fatalf("allowed, want %d", tt.status)
			}
			code, msg := errorBody(t, v.Denial)
			if v.Denial.Status != tt.status || code != tt.code || !strings.HasPrefix(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d %q", v.Denial.Status, code, msg, tt.status, tt.code, tt.message)
			}
			if v.Denial.Headers["content-type"] == "" || v.Denial.Headers["x-request-id"] != "req-1" {
				t.Errorf("denial headers %v lack the content-type or the request id", v.Denial.Headers)
			}
		})
	}
}

// A gateway that has Kafka clusters also guards: a known cluster is named
// in the input, and nothing is sent to Kafka.
func TestAuthorize_NamesAKnownClusterAndCallsNoKafka(t *testing.T) {
	cluster := newFakeCluster("default", "lkc-1")
	g, p := guardEnv(cluster)
	req, body := guardRequest("POST", "/kafka/v3/clusters/lkc-1/topics/orders/records", "application/json", `{"value":{"type":"STRING","data":"a"}}`)
	if v := g.Authorize(context.Background(), req, body); v.Denial != nil {
		t.Fatalf("denied: %s", v.Denial.Body)
	}
	if n := len(cluster.messages()); n != 0 {
		t.Errorf("%d messages sent to Kafka", n)
	}
	for _, in := range p.seen() {
		if in.Cluster != (policy.Cluster{Name: "default", ID: "lkc-1"}) {
			t.Errorf("phase %s: cluster %+v", in.Phase, in.Cluster)
		}
	}

	// Without such a cluster: the id from the path, no name.
	g, p = guardEnv()
	req, body = guardRequest("GET", "/kafka/v3/clusters/lkc-9/topics", "", "")
	g.Authorize(context.Background(), req, body)
	if in := p.seen(); len(in) != 1 || in[0].Cluster != (policy.Cluster{ID: "lkc-9"}) {
		t.Errorf("cluster of an unknown id: %+v", in)
	}
}

// A failing policy denies, and the cause stays out of the answer.
func TestAuthorize_PolicyErrorsDeny(t *testing.T) {
	g, p := guardEnv()
	p.decide = func(*policy.Input) policy.Decision { return policy.Decision{Err: errors.New("internal detail")} }
	req, body := guardRequest("GET", "/topics", "", "")
	v := g.Authorize(context.Background(), req, body)
	if v.Denial == nil || v.Denial.Status != 403 || strings.Contains(string(v.Denial.Body), "internal detail") {
		t.Fatalf("verdict %+v", v.Denial)
	}
}

// BenchmarkAuthorizeProduce is one ext_authz check of a ten-record produce:
// both phases, the body parsed, no Kafka.
func BenchmarkAuthorizeProduce(b *testing.B) {
	g, _ := guardEnv()
	body := strings.Repeat(`{"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"productId":"456ijk","n":1}}}`, 10)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, data := guardRequest("POST", "/kafka/v3/clusters/lkc-1/topics/orders/records", "application/json", body)
		if v := g.Authorize(ctx, req, data); v.Denial != nil {
			b.Fatalf("denied: %s", v.Denial.Body)
		}
	}
}
