package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// The README's walk-through against the demo policy and API key, through a
// second topicgate and Envoy on the suite's Kafka; then a graceful shutdown.
func TestDemoStackReadme(t *testing.T) {
	dir := t.TempDir()
	demo, err := stack.Start(context.Background(), stack.Options{
		Root: root, TopicgateBin: bin, Dir: dir, Paths: paths, Bootstrap: st.Bootstrap,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.Stop)
	demo.ClusterID = st.ClusterID
	call := func(method, path, user, body string) reply {
		req, _ := http.NewRequest(method, demo.URL+path, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, user+"-secret")
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	}
	cid := st.ClusterID

	// README: list topics anonymously.
	if r := call("GET", "/v3/clusters/"+cid+"/topics", "", ""); r.Status != 200 || !strings.Contains(string(r.Body), `"topic_name":"orders"`) {
		t.Fatalf("anonymous list topics: %d %s", r.Status, r.Body)
	}
	// README: the cluster id, as the demo key.
	r := call("GET", "/v3/clusters", "demo", "")
	var clusters struct {
		Data []struct {
			ClusterID string `json:"cluster_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &clusters); err != nil || r.Status != 200 || len(clusters.Data) != 1 || clusters.Data[0].ClusterID != cid {
		t.Fatalf("demo list clusters: %d %s", r.Status, r.Body)
	}
	// README: produce the Confluent Cloud style record.
	r = call("POST", "/kafka/v3/clusters/"+cid+"/topics/orders/records", "demo",
		`{"key": {"type": "STRING", "data": "orderId2"}, "value": {"type": "JSON", "data": {"productId": "456ijk"}}}`)
	want := regexp.MustCompile(`^\{"error_code":200,"cluster_id":"` + cid + `","topic_name":"orders","partition_id":0,"offset":\d+,"timestamp":"[^"]+","key":\{"type":"STRING","size":8\},"value":\{"type":"JSON","size":22\}\}$`)
	if r.Status != 200 || !want.Match(r.Body) {
		t.Fatalf("demo produce: %d %s", r.Status, r.Body)
	}
	// README: anonymous callers may not produce, and demo may not write elsewhere.
	if r := call("POST", "/kafka/v3/clusters/"+cid+"/topics/orders/records", "", `{"value":{"type":"STRING","data":"x"}}`); r.Status != 401 {
		t.Errorf("anonymous produce: %d %s", r.Status, r.Body)
	}
	if r := call("POST", "/kafka/v3/clusters/"+cid+"/topics/mixed/records", "demo", `{"value":{"type":"STRING","data":"x"}}`); r.Status != 403 {
		t.Errorf("demo produce to mixed: %d %s", r.Status, r.Body)
	}

	// SIGTERM: topicgate drains and exits 0.
	start := time.Now()
	if err := demo.StopTopicgate(20 * time.Second); err != nil {
		t.Fatalf("topicgate did not exit cleanly: %v", err)
	}
	logb, _ := os.ReadFile(filepath.Join(dir, "topicgate.log"))
	for _, line := range []string{"shutting down: draining in-flight requests", "topicgate stopped"} {
		if !strings.Contains(string(logb), line) {
			t.Errorf("log lacks %q", line)
		}
	}
	t.Logf("topicgate stopped in %s", time.Since(start))
	// With topicgate gone, Envoy fails closed, in the JSON error shape.
	if r := call("GET", "/v3/clusters/"+cid+"/topics", "", ""); r.Status < 500 || !strings.Contains(string(r.Body), `"error_code"`) {
		t.Errorf("with topicgate down: %d %s", r.Status, r.Body)
	}
}
