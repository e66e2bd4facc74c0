package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/topicgate/topicgate/pkg/policy"
)

// The OpenAPI document is served without credentials and without asking
// the policy; every other endpoint asks.
func TestOpenAPI_PublicAndComplete(t *testing.T) {
	e := newEnv(t)
	e.policy.decide = func(*policy.Input) policy.Decision { return policy.Decision{} }
	resp := e.serve(t, get("/openapi.json", nil), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if ct := resp.Headers["content-type"]; ct != "application/json" {
		t.Errorf("content-type %q", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI == "" || doc.Paths["/kafka/v3/clusters/{cluster_id}/topics/{topic_name}/records"] == nil || doc.Paths["/topics/{topic_name}"] == nil {
		t.Errorf("document lacks the version or known paths: %.200s", resp.Body)
	}
	if n := len(e.policy.seen()); n != 0 {
		t.Errorf("the policy was asked %d times for the OpenAPI document", n)
	}
}
