package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/topicgate/topicgate/pkg/policy"
)

// hideItems allows every request, and every list item but the topic and the
// group whose name is in hidden.
func hideItems(hidden ...string) func(in *policy.Input) policy.Decision {
	return func(in *policy.Input) policy.Decision {
		if in.Phase == policy.PhaseItem && slices.Contains(hidden, in.Resource.Name) {
			return policy.Decision{Allow: false, Reason: "hidden"}
		}
		return policy.Decision{Allow: true}
	}
}

func TestVisible_ListsKeepOnlyAllowedItems(t *testing.T) {
	tests := []struct {
		name, path string
		hidden     []string
		wantOp     string
		wantType   string
		want       []string
		names      func(t *testing.T, body []byte) []string
	}{
		{
			name: "v3 topics", path: "/kafka/v3/clusters/lkc-1/topics", hidden: []string{"audit"},
			wantOp: "DESCRIBE", wantType: "TOPIC", want: []string{"orders"},
			names: func(t *testing.T, body []byte) []string { return dataNames(t, body, "topic_name") },
		},
		{
			name: "v2 topics", path: "/topics", hidden: []string{"orders"},
			wantOp: "DESCRIBE", wantType: "TOPIC", want: []string{"audit"},
			names: func(t *testing.T, body []byte) []string {
				var out []string
				if err := json.Unmarshal(body, &out); err != nil {
					t.Fatalf("v2 topic list %s: %v", body, err)
				}
				return out
			},
		},
		{
			name: "every topic's configs", path: "/kafka/v3/clusters/lkc-1/topics/-/configs", hidden: []string{"orders"},
			wantOp: "DESCRIBE_CONFIGS", wantType: "TOPIC", want: []string{"audit"},
			names: func(t *testing.T, body []byte) []string {
				names := dataNames(t, body, "topic_name")
				return slices.Compact(names)
			},
		},
		{
			name: "consumer groups", path: "/kafka/v3/clusters/lkc-1/consumer-groups", hidden: []string{"billing"},
			wantOp: "DESCRIBE", wantType: "GROUP", want: []string{"idle"},
			names: func(t *testing.T, body []byte) []string { return dataNames(t, body, "consumer_group_id") },
		},
		{
			name: "everything hidden", path: "/kafka/v3/clusters/lkc-1/topics", hidden: []string{"audit", "orders"},
			wantOp: "DESCRIBE", wantType: "TOPIC", want: nil,
			names: func(t *testing.T, body []byte) []string { return dataNames(t, body, "topic_name") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := groupsEnv(t)
			e.policy.decide = hideItems(tt.hidden...)
			resp := e.serve(t, get(tt.path, map[string]string{"authorization": demoAuth}), nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			if got := tt.names(t, resp.Body); !slices.Equal(got, tt.want) {
				t.Errorf("listed %q, want %q", got, tt.want)
			}
			seen := e.policy.seen()
			if seen[0].Phase != policy.PhaseRequest || seen[0].Resource.Type != "CLUSTER" {
				t.Errorf("first decision: phase %q on %s, want the list decided at cluster level first", seen[0].Phase, seen[0].Resource.Type)
			}
			items := 0
			for _, in := range seen[1:] {
				items++
				if in.Phase != policy.PhaseItem || in.Operation != tt.wantOp || in.Resource.Type != tt.wantType {
					t.Errorf("item decision: phase %q, %s on %s %q; want phase item, %s on %s", in.Phase, in.Operation, in.Resource.Type, in.Resource.Name, tt.wantOp, tt.wantType)
				}
				if tt.wantType == "TOPIC" && in.Topic != in.Resource.Name || tt.wantType == "GROUP" && in.Group != in.Resource.Name {
					t.Errorf("item %q: input.topic %q, input.group %q: want the item's name in its field", in.Resource.Name, in.Topic, in.Group)
				}
			}
			if items != 2 {
				t.Errorf("%d item decisions, want one per item (2)", items)
			}
			if id := resp.Headers["x-topicgate-decision-id"]; id == "" {
				t.Error("no x-topicgate-decision-id: the list's own decision names the answer")
			}
		})
	}
}

// dataNames reads field of each entry of a v3 list's data.
func dataNames(t *testing.T, body []byte, field string) []string {
	t.Helper()
	var list struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("v3 list %s: %v", body, err)
	}
	var out []string
	for _, d := range list.Data {
		s, _ := d[field].(string)
		out = append(out, s)
	}
	return out
}

// A group's lags, lag summary and a consumer's assignments name topics:
// each topic is decided on its own, as Kafka's OffsetFetch leaves out the
// topics a principal may not describe.
func TestVisible_GroupListsKeepOnlyAllowedTopics(t *testing.T) {
	const g = "/kafka/v3/clusters/lkc-1/consumer-groups/billing"
	tests := []struct {
		name, path string
		hidden     []string
		want       []string // topic_name of each entry, or the summary's max_lag_topic_name
		field      string
	}{
		{name: "lags", path: g + "/lags", hidden: []string{"audit"}, want: []string{"orders", "orders", "orders"}, field: "topic_name"},
		{name: "lags, all hidden", path: g + "/lags", hidden: []string{"audit", "orders"}, field: "topic_name"},
		{name: "assignments", path: g + "/consumers/rdkafka-1/assignments", hidden: []string{"orders"}, field: "topic_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := groupsEnv(t)
			e.policy.decide = hideItems(tt.hidden...)
			resp := e.serve(t, get(tt.path, map[string]string{"authorization": demoAuth}), nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			if got := dataNames(t, resp.Body, tt.field); !slices.Equal(got, tt.want) {
				t.Errorf("listed %q, want %q", got, tt.want)
			}
		})
	}
	// The summary is of the lags the caller may see: with audit hidden, its
	// largest lag is on orders; with everything hidden there is none.
	e := groupsEnv(t)
	e.policy.decide = hideItems("audit")
	resp := e.serve(t, get(g+"/lag-summary", map[string]string{"authorization": demoAuth}), nil)
	var sum map[string]any
	if err := json.Unmarshal(resp.Body, &sum); err != nil || resp.Status != 200 || sum["max_lag_topic_name"] != "orders" {
		t.Errorf("lag summary with audit hidden: %d %s", resp.Status, resp.Body)
	}
	e = groupsEnv(t)
	e.policy.decide = hideItems("audit", "orders")
	if resp := e.serve(t, get(g+"/lag-summary", map[string]string{"authorization": demoAuth}), nil); resp.Status != http.StatusNotFound {
		t.Errorf("lag summary with every topic hidden: %d %s, want 404", resp.Status, resp.Body)
	}
}

// An item whose decision would act on another topic (a rewrite) is not the
// item the list names: it is not shown. A list whose time runs out is not
// answered cut short.
func TestVisible_RewrittenItemsAndTimeouts(t *testing.T) {
	e := groupsEnv(t)
	e.policy.decide = func(in *policy.Input) policy.Decision {
		if in.Phase == policy.PhaseItem && in.Resource.Name == "audit" {
			return policy.Decision{Allow: true, Topic: "tenant-a.audit"}
		}
		return policy.Decision{Allow: true}
	}
	resp := e.serve(t, get("/kafka/v3/clusters/lkc-1/topics", map[string]string{"authorization": demoAuth}), nil)
	if got := dataNames(t, resp.Body, "topic_name"); resp.Status != 200 || !slices.Equal(got, []string{"orders"}) {
		t.Errorf("with audit rewritten: %d %q, want 200 [orders]", resp.Status, got)
	}

	e = groupsEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	e.policy.decide = func(in *policy.Input) policy.Decision {
		if in.Phase == policy.PhaseItem {
			cancel() // the client leaves while the items are decided
		}
		return policy.Decision{Allow: true}
	}
	resp, _ = e.g.Headers(ctx, get("/kafka/v3/clusters/lkc-1/topics", map[string]string{"authorization": demoAuth}))
	if resp == nil || resp.Status == http.StatusOK {
		t.Fatalf("a list whose request ended while its items were decided was answered %v", resp)
	}
}
