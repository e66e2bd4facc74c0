package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// guard is topicgate in mode guard (no Kafka, the guard policy) behind a
// second Envoy rendered from envoy/ext-authz.yaml, whose backend is the
// suite's stack (its Envoy, topicgate and Kafka) standing in for a Kafka
// REST backend someone already runs.
type guard struct {
	url       string // the guarding Envoy: where clients call
	topicgate *stack.Component
	envoy     *stack.Component
}

func startGuard(t *testing.T) *guard {
	t.Helper()
	dir := t.TempDir()
	ports := make([]int, 4)
	for i := range ports {
		p, err := stack.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	grpcAddr, adminAddr := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
	ctx := context.Background()
	tg, err := stack.StartTopicgate(ctx, bin, dir, "guard-topicgate", adminAddr,
		"-mode", "guard", "-grpc-addr", grpcAddr, "-admin-addr", adminAddr,
		"-policy-dir", filepath.Join(root, "e2e", "testdata", "guard-policy"),
		"-api-keys", filepath.Join(root, "e2e", "testdata", "api-keys.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	g := &guard{url: fmt.Sprintf("http://127.0.0.1:%d", ports[2]), topicgate: tg}
	backendPort := strings.TrimPrefix(st.URL, "http://127.0.0.1:")
	cfg := filepath.Join(dir, "ext-authz.yaml")
	if err := stack.RenderEnvoy(root, "ext-authz.yaml", cfg, map[string]string{
		"LISTEN_PORT": strconv.Itoa(ports[2]), "ADMIN_PORT": strconv.Itoa(ports[3]),
		"TOPICGATE_PORT": strconv.Itoa(ports[0]), "BACKEND_PORT": backendPort,
	}); err != nil {
		t.Fatal(err)
	}
	if g.envoy, err = stack.StartEnvoy(ctx, paths.Envoy, dir, "guard-envoy", cfg, fmt.Sprintf("127.0.0.1:%d", ports[3])); err != nil {
		tg.Stop(5 * time.Second)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, c := range []*stack.Component{g.envoy, g.topicgate} {
				b, _ := os.ReadFile(c.LogPath())
				if len(b) > 20000 {
					b = b[len(b)-20000:]
				}
				t.Logf("===== %s =====\n%s", c.LogPath(), b)
			}
		}
		g.envoy.Stop(10 * time.Second)
		g.topicgate.Stop(10 * time.Second)
	})
	return g
}

// call sends a request through the guard as a key of the suite ("" is
// anonymous).
func (g *guard) call(t *testing.T, user, method, path, contentType, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, g.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, user+"-secret")
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// passed checks that the backend answered r with status, and that the
// answer carries the guard's decision id.
func (g *guard) passed(t *testing.T, r reply, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("answered %d, want %d from the backend: %s", r.Status, status, r.Body)
	}
	if r.Header.Get("x-envoy-upstream-service-time") == "" {
		t.Errorf("the answer did not come from the backend")
	}
	id := r.Header.Get("x-topicgate-decision-id")
	logb, _ := os.ReadFile(g.topicgate.LogPath())
	if id == "" || !strings.Contains(string(logb), `"decision_id":"`+id+`"`) {
		t.Errorf("x-topicgate-decision-id %q is not one of the guard's decisions", id)
	}
}

// refused checks that the guard refused r itself, in the API's error shape.
func refused(t *testing.T, r reply, status, code int, message string) {
	t.Helper()
	e := wantError(t, r, status, code)
	if !strings.Contains(e.Message, message) {
		t.Errorf("message %q does not say %q", e.Message, message)
	}
	if r.Header.Get("x-envoy-upstream-service-time") != "" {
		t.Errorf("the refusal came from the backend, not the guard")
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Errorf("content-type %q", ct)
	}
}

// values are the values of a topic's records, sorted.
func values(t *testing.T, topic string) []string {
	t.Helper()
	var out []string
	for _, m := range readTopic(t, topic) {
		out = append(out, string(m.Value))
	}
	sort.Strings(out)
	return out
}

func TestExtAuthzGuard(t *testing.T) {
	createTopics(t, stack.TopicSpec{Name: "guard-open", Partitions: 1}, stack.TopicSpec{Name: "guard-closed", Partitions: 1})
	g := startGuard(t)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	const (
		js   = "application/json"
		v2js = "application/vnd.kafka.json.v2+json"
		v2   = "application/vnd.kafka.v2+json"
	)
	topics := v3("/topics")

	t.Run("list topics", func(t *testing.T) {
		r := g.call(t, "admin", "GET", topics, "", "")
		g.passed(t, r, 200)
		if !strings.Contains(string(r.Body), `"topic_name":"guard-open"`) {
			t.Errorf("the list lacks guard-open: %s", r.Body)
		}
		g.passed(t, g.call(t, "admin", "GET", "/topics", "", ""), 200)
		// The backend lets reader describe; the guard does not.
		refused(t, g.call(t, "reader", "GET", topics, "", ""), 403, 40301, "guard: reader may not DESCRIBE kafka-cluster")
		r = g.call(t, "", "GET", "/topics/guard-open", "", "")
		refused(t, r, 401, 401, "guard: anonymous may not DESCRIBE guard-open")
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})

	t.Run("describe topic", func(t *testing.T) {
		g.passed(t, g.call(t, "admin", "GET", v3("/topics/guard-open"), "", ""), 200)
		refused(t, g.call(t, "admin", "GET", v3("/topics/guard-closed"), "", ""), 403, 40301, "guard: admin may not DESCRIBE guard-closed")
		refused(t, g.call(t, "admin", "GET", "/topics/guard-closed", "", ""), 403, 403, "guard: admin may not DESCRIBE guard-closed")
	})

	t.Run("produce", func(t *testing.T) {
		rec := func(v string) string { return `{"value":{"type":"STRING","data":"` + v + `"}}` }
		g.passed(t, g.call(t, "admin", "POST", topics+"/guard-open/records", js, rec("v3-"+run)), 200)
		g.passed(t, g.call(t, "admin", "POST", "/topics/guard-open", v2js, `{"records":[{"value":"v2-`+run+`"}]}`), 200)
		refused(t, g.call(t, "admin", "POST", topics+"/guard-closed/records", js, rec("closed-"+run)), 403, 40301, "guard: admin may not WRITE guard-closed")
		refused(t, g.call(t, "admin", "POST", "/topics/guard-closed", v2js, `{"records":[{"value":"closed"}]}`), 403, 403, "guard: admin may not WRITE guard-closed")
		// Records phase, through with_request_body: a content rule, and a
		// record the policy denies on its own, which the guard cannot keep
		// out of a write the backend makes whole.
		refused(t, g.call(t, "admin", "POST", topics+"/guard-open/records", js,
			rec("fine-"+run)+`{"value":{"type":"JSON","data":{"pii":true}}}`), 403, 40301, "guard: records [1] carry pii")
		refused(t, g.call(t, "admin", "POST", "/topics/guard-open", v2js, `{"records":[{"value":{"pii":true}}]}`), 403, 403, "guard: records [0] carry pii")
		refused(t, g.call(t, "admin", "POST", topics+"/guard-open/records", js, rec("kept-"+run)+rec("drop-me")),
			403, 40301, "record 1: guard: drop-me is not for the backend")
		// A body the guard cannot read is refused before the backend sees it.
		refused(t, g.call(t, "admin", "POST", topics+"/guard-open/records", js, `{"value":`), 400, 400, "")

		want := []string{`"v2-` + run + `"`, "v3-" + run}
		if got := values(t, "guard-open"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("guard-open holds %q, want only the allowed %q", got, want)
		}
		if got := values(t, "guard-closed"); len(got) != 0 {
			t.Errorf("guard-closed holds %q, want nothing", got)
		}
	})

	t.Run("read", func(t *testing.T) {
		r := g.call(t, "admin", "GET", topics+"/guard-open/partitions/0/records?offset=0&format=string", "", "")
		g.passed(t, r, 200)
		if !strings.Contains(string(r.Body), "v3-"+run) {
			t.Errorf("the read lacks the produced record: %s", r.Body)
		}
		refused(t, g.call(t, "admin", "GET", topics+"/guard-closed/partitions/0/records?offset=0", "", ""), 403, 40301, "guard: admin may not READ guard-closed")
	})

	t.Run("create and delete topic", func(t *testing.T) {
		name, nope := "guard-new-"+run, "guard-nope-"+run
		g.passed(t, g.call(t, "admin", "POST", topics, js, `{"topic_name":"`+name+`","partitions_count":1}`), 201)
		refused(t, g.call(t, "admin", "POST", topics, js, `{"topic_name":"`+nope+`","partitions_count":1}`), 403, 40301, "guard: admin may not CREATE "+nope)
		refused(t, g.call(t, "admin", "POST", "/admin/topics", v2js, `{"topic_name":"`+nope+`"}`), 403, 403, "guard: admin may not CREATE "+nope)
		if r := as(t, "admin", "GET", v3("/topics/"+nope), "", ""); r.Status != 404 {
			t.Errorf("the refused topic exists: %d %s", r.Status, r.Body)
		}
		eventually(t, func() bool { return as(t, "admin", "GET", v3("/topics/"+name), "", "").Status == 200 })
		g.passed(t, g.call(t, "admin", "DELETE", topics+"/"+name, "", ""), 204)
		refused(t, g.call(t, "admin", "DELETE", topics+"/guard-closed", "", ""), 403, 40301, "guard: admin may not DELETE guard-closed")
		if r := as(t, "admin", "GET", v3("/topics/guard-closed"), "", ""); r.Status != 200 {
			t.Errorf("guard-closed is gone: %d %s", r.Status, r.Body)
		}
	})

	t.Run("consumer groups", func(t *testing.T) {
		group := "guard-group-" + run
		// Committing needs READ on the group and, from the path, on the topic.
		g.passed(t, g.call(t, "admin", "POST", v3("/consumer-groups/"+group+"/offsets/guard-open"), js, `{"offsets":[{"partition_id":0,"offset":1}]}`), 200)
		refused(t, g.call(t, "admin", "POST", v3("/consumer-groups/"+group+"/offsets/guard-closed"), js, `{"offsets":[{"partition_id":0,"offset":0}]}`),
			403, 40301, "guard: admin may not READ guard-closed")
		r := g.call(t, "admin", "GET", v3("/consumer-groups/"+group), "", "")
		g.passed(t, r, 200)
		var cg struct {
			ConsumerGroupID string `json:"consumer_group_id"`
		}
		if err := json.Unmarshal(r.Body, &cg); err != nil || cg.ConsumerGroupID != group {
			t.Errorf("consumer group: %v %s", err, r.Body)
		}
		refused(t, g.call(t, "admin", "GET", v3("/consumer-groups/guard-other"), "", ""), 403, 40301, "guard: admin may not DESCRIBE guard-other")
	})

	t.Run("consumer instance topics from the body", func(t *testing.T) {
		group := "guard-group-c-" + run
		g.passed(t, g.call(t, "admin", "POST", "/consumers/"+group, v2, `{"name":"c1","format":"json"}`), 200)
		base := "/consumers/" + group + "/instances/c1"
		refused(t, g.call(t, "admin", "POST", base+"/subscription", v2, `{"topics":["guard-open","guard-closed"]}`), 403, 403, "guard: admin may not READ guard-closed")
		g.passed(t, g.call(t, "admin", "POST", base+"/subscription", v2, `{"topics":["guard-open"]}`), 204)
		g.passed(t, g.call(t, "admin", "DELETE", base, "", ""), 204)
	})

	t.Run("unknown endpoints are refused", func(t *testing.T) {
		refused(t, g.call(t, "admin", "GET", v3("/acls"), "", ""), 404, 404, "HTTP 404 Not Found")
	})

	// Last: with the guard's topicgate gone, Envoy refuses everything, in
	// the JSON error shape, and nothing reaches the backend.
	t.Run("fails closed", func(t *testing.T) {
		g.topicgate.Stop(10 * time.Second)
		r := g.call(t, "admin", "POST", topics+"/guard-open/records", js, `{"value":{"type":"STRING","data":"while-down"}}`)
		refused(t, r, 503, 503, "ext_authz_error")
		refused(t, g.call(t, "admin", "GET", topics, "", ""), 503, 503, "")
		for _, v := range values(t, "guard-open") {
			if v == "while-down" {
				t.Error("a record reached Kafka with the guard down")
			}
		}
	})
}
