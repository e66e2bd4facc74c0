package e2e

import (
	"io"
	"strings"
	"testing"
)

func TestReadiness(t *testing.T) {
	r := readyz(t)
	if !r.Ready || !r.Policy.Loaded || len(r.Kafka) != 1 {
		t.Fatalf("readyz %+v", r)
	}
	for name, k := range r.Kafka {
		if !k.Reachable || k.ClusterID != st.ClusterID {
			t.Errorf("cluster %s: %+v", name, k)
		}
	}
	resp, err := client.Get(st.AdminURL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

// The metrics count what the suite did.
func TestMetrics(t *testing.T) {
	results(t, produce(t, "mixed", `{"value":{"type":"STRING","data":"m"}}`))
	resp, err := client.Get(st.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`topicgate_requests_total{operation="WRITE",route="produce",status="200"}`,
		`topicgate_produced_records_total{cluster="default",result="ok",topic="mixed"} 1`,
		`topicgate_produced_bytes_total{cluster="default",topic="mixed"} 1`,
		`topicgate_produce_duration_seconds_count{cluster="default"}`,
		`topicgate_policy_decisions_total{action="produce",phase="records",result="allow"}`,
		`topicgate_policy_evaluation_duration_seconds_count`,
		`topicgate_policy_loads_total{policy="active",result="ok"}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
