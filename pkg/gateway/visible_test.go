package gateway_test

import (
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
