package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/policy"
)

// TestDryRunAsksWhatTheGatewayAsks runs each request through the gateway
// (over fakes) and through DryRun, and checks that DryRun asked the policy
// the same questions with the same inputs, in the same order, and, where
// the gateway answered before calling Kafka, gave the same answer.
func TestDryRunAsksWhatTheGatewayAsks(t *testing.T) {
	const (
		v3    = "/kafka/v3/clusters/lkc-1"
		v2    = "application/vnd.kafka.v2+json"
		v2js  = "application/vnd.kafka.json.v2+json"
		jsonT = "application/json"
	)
	denyTopic := func(name string) func(in *policy.Input) policy.Decision {
		return func(in *policy.Input) policy.Decision {
			return policy.Decision{Allow: in.Resource.Name != name, Reason: "not " + name}
		}
	}
	denyRecords := func(in *policy.Input) policy.Decision {
		return policy.Decision{Allow: in.Phase != policy.PhaseRecords, Reason: "no records today"}
	}
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		auth        string // default demoAuth; "-" for none
		body        string
		decide      func(in *policy.Input) policy.Decision
		consumer    bool // needs the consumer instance g/c of the demo key
		wantAnswer  int  // the status DryRun answers; 0: every decision allowed
	}{
		{name: "v3 produce", method: "POST", path: v3 + "/topics/orders/records", contentType: jsonT,
			body: `{"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"a":1}},"headers":[{"name":"h","value":"dg=="}]}
{"value":{"type":"BINARY","data":"AAE="},"partition_id":1,"timestamp":"2026-01-02T03:04:05Z"}`},
		{name: "v3 produce denied in phase records", method: "POST", path: v3 + "/topics/orders/records", contentType: jsonT,
			body: `{"value":{"type":"STRING","data":"x"}}`, decide: denyRecords, wantAnswer: 403},
		{name: "v3 produce denied before its body", method: "POST", path: v3 + "/topics/orders/records", contentType: jsonT,
			body: `{"value":{"type":"STRING","data":"x"}}`, decide: denyTopic("orders"), wantAnswer: 403},
		{name: "v3 produce with bad base64", method: "POST", path: v3 + "/topics/orders/records", contentType: jsonT,
			body: `{"value":{"type":"BINARY","data":"%%%"}}`, wantAnswer: 400},
		{name: "v3 produce of the wrong media type", method: "POST", path: v3 + "/topics/orders/records", contentType: "text/plain",
			body: `x`, wantAnswer: 415},
		{name: "v3 produce without a body", method: "POST", path: v3 + "/topics/orders/records", contentType: jsonT, wantAnswer: 422},
		{name: "records:batch with an invalid entry", method: "POST", path: v3 + "/topics/orders/records:batch", contentType: jsonT,
			body: `{"entries":[{"id":"a","value":{"type":"STRING","data":"x"}},{"id":"b","value":{"type":"BINARY","data":"%"}}]}`},
		{name: "v2 produce", method: "POST", path: "/topics/orders/partitions/1", contentType: v2js,
			body: `{"records":[{"key":"k","value":{"a":1}}]}`},
		{name: "v2 produce, bad async", method: "POST", path: "/topics/orders?async=maybe", contentType: v2js,
			body: `{"records":[{"value":1}]}`, wantAnswer: 400},
		{name: "create topic: the decision waits for the body", method: "POST", path: v3 + "/topics", contentType: jsonT,
			body: `{"topic_name":"fresh","partitions_count":1}`},
		{name: "create topic denied", method: "POST", path: v3 + "/topics", contentType: jsonT,
			body: `{"topic_name":"fresh"}`, decide: denyTopic("fresh"), wantAnswer: 403},
		{name: "create topic with configs: input.admin", method: "POST", path: v3 + "/topics", contentType: jsonT,
			body: `{"topic_name":"fresh","partitions_count":2,"configs":[{"name":"retention.ms","value":"-1"}]}`},
		{name: "more partitions: decided again with the count", method: "PATCH", path: v3 + "/topics/orders", contentType: jsonT,
			body: `{"partitions_count":9}`, decide: func(in *policy.Input) policy.Decision {
				return policy.Decision{Allow: in.Admin == nil, Reason: "no more partitions"}
			}, wantAnswer: 403},
		{name: "alter configs: decided again with the changes", method: "POST", path: v3 + "/topics/orders/configs:alter", contentType: jsonT,
			body: `{"data":[{"name":"retention.ms","value":"1000"},{"name":"cleanup.policy","operation":"DELETE"}]}`},
		{name: "one config set", method: "PUT", path: v3 + "/topics/orders/configs/retention.ms", contentType: jsonT,
			body: `{"value":"1000"}`},
		{name: "v3 produce with a record denied: the others go on", method: "POST", path: v3 + "/topics/orders/records", contentType: jsonT,
			body: `{"value":{"type":"STRING","data":"a"}}{"value":{"type":"STRING","data":"b"}}`,
			decide: func(in *policy.Input) policy.Decision {
				d := policy.Decision{Allow: true}
				if in.Phase == policy.PhaseRecords {
					d.DeniedRecords = []policy.RecordDenial{{Index: 1, Reason: "not b"}}
				}
				return d
			}},
		{name: "v2 create topic", method: "POST", path: "/admin/topics", contentType: "application/vnd.kafka.json.v2+json",
			body: `{"topic_name":"fresh"}`},
		{name: "group lag of a partition: group, then topic", method: "GET", path: v3 + "/consumer-groups/g/lags/orders/partitions/0"},
		{name: "commit group offsets: READ on group and topic", method: "POST", path: v3 + "/consumer-groups/g/offsets/orders", contentType: jsonT,
			body: `{"partitions":[{"partition_id":0,"offset":1}]}`, decide: denyTopic("orders"), wantAnswer: 403},
		{name: "anonymous get topic", method: "GET", path: v3 + "/topics/orders", auth: "-", decide: denyTopic("orders"), wantAnswer: 401},
		{name: "list clusters: no cluster", method: "GET", path: "/v3/clusters"},
		{name: "bad credentials", method: "GET", path: "/v3/clusters", auth: "Basic bm9ib2R5Onh4eA==", wantAnswer: 401},
		{name: "unknown path", method: "GET", path: "/v3/nothing", wantAnswer: 404},
		{name: "public OpenAPI document", method: "GET", path: "/openapi.json"},
		{name: "subscribe to topics", method: "POST", path: "/consumers/g/instances/c/subscription", contentType: v2,
			body: `{"topics":["orders","audit"]}`, consumer: true, decide: denyTopic("audit"), wantAnswer: 403},
		{name: "subscribe to a pattern", method: "POST", path: "/consumers/g/instances/c/subscription", contentType: v2,
			body: `{"topic_pattern":"ord.*"}`, consumer: true},
		{name: "assign", method: "POST", path: "/consumers/g/instances/c/assignments", contentType: v2,
			body: `{"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":1}]}`, consumer: true},
		{name: "commit offsets", method: "POST", path: "/consumers/g/instances/c/offsets", contentType: v2,
			body: `{"offsets":[{"topic":"audit","partition":0,"offset":3}]}`, consumer: true},
		{name: "seek with a bad body", method: "POST", path: "/consumers/g/instances/c/positions", contentType: v2,
			body: `{"offsets":[{"topic":"orders"}]}`, consumer: true, wantAnswer: 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := map[string]string{"authorization": demoAuth}
			switch tt.auth {
			case "-":
				delete(headers, "authorization")
			case "":
			default:
				headers["authorization"] = tt.auth
			}
			var req *gateway.Request
			if tt.method == "GET" {
				req = get(tt.path, headers)
			} else {
				req = post(tt.path, headers)
				req.Method, req.Headers[":method"] = tt.method, tt.method
				req.Headers["content-type"] = tt.contentType
				req.EndOfStream = tt.body == ""
			}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}

			// The gateway, over fakes.
			var real *gateway.Gateway
			var seen *fakePolicy
			if tt.consumer {
				e := consumersNewEnv(t)
				consumersWant(t, e.call(t, "POST", "/consumers/g", `{"name": "c"}`, nil), 200)
				e.policy.inputs = nil
				real, seen = e.g, e.policy
			} else {
				e := newEnv(t)
				real, seen = e.g, e.policy
			}
			seen.decide = tt.decide
			realResp := (&env{g: real}).serve(t, req, body)

			// The dry run.
			dryPolicy := &fakePolicy{decide: tt.decide}
			dry := gateway.New(gateway.Options{
				Auth:         fakeAuth{demoAuth: {Type: identity.TypeAPIKey, ID: "demo"}},
				Policy:       dryPolicy,
				Log:          zap.NewNop(),
				MaxBodyBytes: 4096, MaxRecords: 10,
			})
			steps, dryResp := dry.DryRun(context.Background(), req, body, policy.Cluster{Name: "default", ID: "lkc-1"})

			var dryInputs []*policy.Input
			for _, s := range steps {
				dryInputs = append(dryInputs, s.Input)
			}
			if diff := cmp.Diff(seen.seen(), dryInputs); diff != "" {
				t.Errorf("policy inputs differ (-gateway +dry run):\n%s", diff)
			}
			if tt.wantAnswer == 0 {
				if dryResp != nil {
					t.Fatalf("dry run answered %d %s, want every decision allowed", dryResp.Status, dryResp.Body)
				}
				return
			}
			if dryResp == nil {
				t.Fatalf("dry run allowed; want the answer %d", tt.wantAnswer)
			}
			if dryResp.Status != tt.wantAnswer || realResp.Status != dryResp.Status || string(realResp.Body) != string(dryResp.Body) {
				t.Errorf("dry run answered %d %s; the gateway %d %s; want %d", dryResp.Status, dryResp.Body, realResp.Status, realResp.Body, tt.wantAnswer)
			}
			if !strings.HasPrefix(dryResp.Headers["content-type"], "application/") {
				t.Errorf("dry run answer headers %v", dryResp.Headers)
			}
		})
	}
}
