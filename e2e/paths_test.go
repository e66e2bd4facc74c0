package e2e

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// pathsRaw sends one HTTP/1.1 request with the request target exactly as
// given: Go's client would clean or re-escape some of the tricks.
func pathsRaw(t *testing.T, method, target, user, contentType, body string) reply {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(st.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, strings.TrimPrefix(st.URL, "http://"))
	if user != "" {
		fmt.Fprintf(&b, "Authorization: Basic %s\r\n", base64.StdEncoding.EncodeToString([]byte(user+":"+user+"-secret")))
	}
	if contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", contentType)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// pathsTrick is one way of spelling a request to the topic "forbidden",
// which the e2e policy denies to the writer key.
type pathsTrick struct {
	name, target string
	// status is the answer: 403 when the path reaches "forbidden" under
	// its plain name (the policy decides), 400 or 404 when it names no
	// valid resource.
	status int
}

// No spelling of a path reaches a topic the policy denies: each gets a
// clear error in the API's shape (the policy's 403 on the plain name, or
// 400/404), never a 2xx, and nothing is written to the topic. The shipped
// envoy.yaml normalizes paths (dot segments, merged slashes, backslashes)
// and refuses escaped slashes; topicgate decodes each segment once and
// validates topic names with Kafka's rules.
func TestPathsCannotReachADeniedTopic(t *testing.T) {
	base := "/kafka/v3/clusters/" + st.ClusterID
	topics := base + "/topics/"
	tricks := []pathsTrick{
		{"the plain path", topics + "forbidden/records", 403},
		{"a trailing slash", topics + "forbidden/records/", 404},
		{"a slash after the topic", topics + "forbidden/", 404}, // POST on the topic itself: a 405 would need a route; none with an empty segment
		{"double slashes", topics + "forbidden//records", 403},
		{"double slashes in the prefix", "/kafka/v3//clusters/" + st.ClusterID + "/topics//forbidden/records", 403},
		{"a dot segment", topics + "./forbidden/records", 403},
		{"a dot segment in the prefix", "/kafka/v3/./clusters/" + st.ClusterID + "/topics/forbidden/records", 403},
		{"a dot-dot segment", topics + "x/../forbidden/records", 403},
		{"a dot-dot above the root", "/../kafka/v3/clusters/" + st.ClusterID + "/topics/forbidden/records", 403},
		{"a dot-dot around the prefix", "/x/../kafka/v3/clusters/" + st.ClusterID + "/topics/forbidden/records", 403},
		{"an encoded dot-dot", topics + "x/%2e%2e/forbidden/records", 403},
		{"an encoded upper-case dot-dot", topics + "x/%2E%2E/forbidden/records", 403},
		{"a half-encoded dot-dot", topics + "x/.%2e/forbidden/records", 403},
		{"an encoded dot", topics + "%2e/forbidden/records", 403},
		{"backslashes", topics + `x\..\forbidden/records`, 403},
		{"an escaped slash", topics + "x%2Fforbidden/records", 400},
		{"a lower-case escaped slash", topics + "x%2fforbidden/records", 400},
		{"an escaped slash in the prefix", "/kafka%2Fv3/clusters/" + st.ClusterID + "/topics/forbidden/records", 400},
		{"escaped backslashes", topics + "x%5C..%5Cforbidden/records", 400},
		{"a double-encoded slash", topics + "x%252Fforbidden/records", 400},
		{"an encoded NUL", topics + "forbidden%00/records", 400},
		{"a double-encoded NUL", topics + "forbidden%2500/records", 400},
		{"a path parameter on the topic", topics + "forbidden;a/records", 400},
		{"a path parameter on the last segment", topics + "forbidden/records;x=1", 404},
		{"a fragment", topics + "forbidden/records#frag", 400},
		{"an encoded fragment", topics + "forbidden%23x/records", 400},
		{"an encoded question mark", topics + "forbidden%3Fx/records", 400},
		{"an encoded space", topics + "forbidden%20/records", 400},
		{"percent-encoded letters", topics + "%66orbidden/records", 403},
		{"every letter percent-encoded", topics + "%66%6F%72%62%69%64%64%65%6E/records", 403},
		{"upper case is another topic", topics + "FORBIDDEN/records", 404},
		{"a dotless i", topics + "forb%C4%B1dden/records", 400},
		{"a full-width letter", topics + "%EF%BD%86orbidden/records", 400},
		{"an overlong UTF-8 dot-dot", topics + "%c0%ae%c0%ae/forbidden/records", 404},
		{"an upper-case prefix", "/V3/clusters/" + st.ClusterID + "/topics/forbidden/records", 404},
		{"a capitalized prefix", "/Kafka/v3/clusters/" + st.ClusterID + "/topics/forbidden/records", 404},
		{"an upper-case version", "/kafka/V3/clusters/" + st.ClusterID + "/topics/forbidden/records", 404},
		{"an upper-case segment", base + "/TOPICS/forbidden/records", 404},
		{"an upper-case action", topics + "forbidden/RECORDS", 404},
		{"the absolute form", "http://" + strings.TrimPrefix(st.URL, "http://") + topics + "forbidden/records", 403},
	}
	const v3Body = `{"value":{"type":"STRING","data":"trick"}}`
	for _, tc := range tricks {
		t.Run(tc.name, func(t *testing.T) {
			pathsCheck(t, pathsRaw(t, "POST", tc.target, "writer", "application/json", v3Body), tc)
		})
	}

	// The bridge's API, at the root.
	v2 := []pathsTrick{
		{"v2 plain", "/topics/forbidden", 403},
		{"v2 dot segment", "/topics/./forbidden", 403},
		{"v2 double slash", "/topics//forbidden", 403},
		{"v2 dot-dot", "/x/../topics/forbidden", 403},
		{"v2 encoded letter", "/topics/%66orbidden", 403},
		{"v2 upper case", "/TOPICS/forbidden", 404},
		{"v2 trailing slash", "/topics/forbidden/", 404},
		{"v2 path parameter", "/topics/forbidden;a", 400},
		{"v2 escaped slash", "/topics/x%2Fforbidden", 400},
		{"v2 to a partition", "/topics/./forbidden/partitions/0", 403},
	}
	for _, tc := range v2 {
		t.Run(tc.name, func(t *testing.T) {
			pathsCheck(t, pathsRaw(t, "POST", tc.target, "writer", "application/vnd.kafka.json.v2+json", `{"records":[{"value":"trick"}]}`), tc)
		})
	}

	if n := recordCount(t, "forbidden"); n != 0 {
		t.Fatalf("%d records reached the denied topic", n)
	}
}

// pathsCheck checks one answer: the expected status, in the API's error
// shape, and for a 403 the policy's reason about "forbidden".
func pathsCheck(t *testing.T, r reply, tc pathsTrick) {
	t.Helper()
	if r.Status >= 200 && r.Status < 300 {
		t.Fatalf("%s answered %d: %s", tc.target, r.Status, r.Body)
	}
	if r.Status != tc.status {
		t.Errorf("%s answered %d, want %d: %s", tc.target, r.Status, tc.status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Errorf("content-type %q", ct)
	}
	e := r.err(t)
	if e.ErrorCode/100 != r.Status && e.ErrorCode != r.Status {
		t.Errorf("error_code %d for status %d", e.ErrorCode, r.Status)
	}
	if r.Status == http.StatusForbidden && !strings.Contains(e.Message, "writer may not WRITE forbidden") {
		t.Errorf("a 403 not from the policy's decision on forbidden: %s", e.Message)
	}
	if strings.HasPrefix(e.Message, " (") {
		t.Errorf("an error without a message: %q", e.Message)
	}
}

// A topic whose name looks like a path trick ("..", "-", mixed case) is
// still reachable under its own name, and only under it.
func TestPathsOddTopicName(t *testing.T) {
	const topic = "paths..odd-Name_1"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	topics := "/kafka/v3/clusters/" + st.ClusterID + "/topics/"
	r := pathsRaw(t, "POST", topics+topic+"/records", "writer", "application/json", `{"value":{"type":"STRING","data":"odd"}}`)
	if r.Status != http.StatusOK {
		t.Fatalf("produce to %s: %d %s", topic, r.Status, r.Body)
	}
	for _, other := range []string{"paths..odd-name_1", "paths.odd-Name_1", "paths/../odd-Name_1", "paths..odd-Name_1."} {
		r := pathsRaw(t, "POST", topics+other+"/records", "writer", "application/json", `{"value":{"type":"STRING","data":"other"}}`)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s answered %d, want 404: %s", other, r.Status, r.Body)
		}
		r.err(t)
	}
	var values []string
	for _, m := range readTopic(t, topic) {
		values = append(values, string(m.Value))
	}
	if strings.Join(values, ",") != "odd" {
		t.Errorf("%s holds %v", topic, values)
	}
}
