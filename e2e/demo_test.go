package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
	callH := func(method, path, user, body string, header map[string]string) reply {
		req, _ := http.NewRequest(method, demo.URL+path, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, user+"-secret")
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	}
	call := func(method, path, user, body string) reply { return callH(method, path, user, body, nil) }
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

	demoReadmeBridge(t, callH, cid)
	demoReadmeIdentity(t, demo, cid)

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

// demoReadmeBridge follows the README's section on the Strimzi bridge API,
// stateless reads and consumers, as the demo key.
func demoReadmeBridge(t *testing.T, call func(method, path, user, body string, header map[string]string) reply, cid string) {
	t.Helper()
	v2json := map[string]string{"Content-Type": "application/vnd.kafka.json.v2+json"}
	v2 := map[string]string{"Content-Type": "application/vnd.kafka.v2+json"}
	r := call("POST", "/topics/orders", "demo",
		`{"records": [{"key": "o-1", "value": {"productId": "123abc"}}, {"key": "o-2", "value": {"productId": "456def"}}]}`, v2json)
	var sent struct {
		Offsets []struct{ Partition, Offset int64 } `json:"offsets"`
	}
	if err := json.Unmarshal(r.Body, &sent); r.Status != 200 || err != nil || len(sent.Offsets) != 2 {
		t.Fatalf("README v2 produce: %d %s", r.Status, r.Body)
	}

	r = call("GET", "/kafka/v3/clusters/"+cid+"/topics/orders/partitions/0/records?offset="+strconv.FormatInt(sent.Offsets[0].Offset, 10)+"&max_records=10&format=string", "demo", "", nil)
	var page struct {
		NextOffset int64 `json:"next_offset"`
		Data       []struct {
			Key   struct{ Data any } `json:"key"`
			Value struct{ Data any } `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &page); r.Status != 200 || err != nil || len(page.Data) != 2 || page.Data[0].Key.Data != `"o-1"` || page.NextOffset != sent.Offsets[1].Offset+1 {
		t.Fatalf("README stateless read: %d %s", r.Status, r.Body)
	}

	group := fmt.Sprintf("demo-readme-%d", time.Now().UnixNano())
	if r := call("POST", "/consumers/"+group, "demo", `{"name": "c1", "format": "text", "auto.offset.reset": "earliest"}`, v2); r.Status != 200 {
		t.Fatalf("README create consumer: %d %s", r.Status, r.Body)
	}
	base := "/consumers/" + group + "/instances/c1"
	if r := call("POST", base+"/subscription", "demo", `{"topics": ["orders"]}`, v2); r.Status != 204 {
		t.Fatalf("README subscribe: %d %s", r.Status, r.Body)
	}
	var got []map[string]any
	for i := 0; i < 20 && len(got) < 3; i++ { // the first polls may come back empty while the consumer joins
		r := call("GET", base+"/records?timeout=3000", "demo", "", map[string]string{"Accept": "application/vnd.kafka.text.v2+json"})
		var recs []map[string]any
		if err := json.Unmarshal(r.Body, &recs); r.Status != 200 || err != nil {
			t.Fatalf("README poll: %d %s", r.Status, r.Body)
		}
		got = append(got, recs...)
	}
	if len(got) < 3 { // the v3 record of the walk-through and the two above
		t.Fatalf("README poll: %d records, want at least 3: %v", len(got), got)
	}
	if r := call("POST", base+"/offsets", "demo", "", nil); r.Status != 204 {
		t.Fatalf("README commit: %d %s", r.Status, r.Body)
	}
	if r := call("DELETE", base, "demo", "", nil); r.Status != 204 {
		t.Fatalf("README delete consumer: %d %s", r.Status, r.Body)
	}
	r = call("GET", "/v3/clusters/"+cid+"/consumer-groups/"+group+"/offsets/orders", "demo", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"offset":`+strconv.FormatInt(sent.Offsets[1].Offset+1, 10)) {
		t.Errorf("the group's committed offset after the README's commit: %d %s", r.Status, r.Body)
	}
}
