package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/speccheck"
)

// reply is an HTTP answer.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// errBody is the error envelope of both APIs.
type errBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func (r reply) err(t *testing.T) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body is not the JSON envelope: %v: %s", err, r.Body)
	}
	if e.Message == "" {
		t.Fatalf("error body has no message: %s", r.Body)
	}
	return e
}

type call struct {
	method, path string
	body         io.Reader
	user, pass   string
	header       map[string]string
	chunked      bool
}

var client = &http.Client{Timeout: 30 * time.Second}

func do(t *testing.T, c call) reply {
	t.Helper()
	req, err := http.NewRequest(c.method, st.URL+c.path, c.body)
	if err != nil {
		t.Fatal(err)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.chunked {
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	covered(t.Name(), c.method, c.path, resp.StatusCode)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func v3(path string) string { return "/kafka/v3/clusters/" + st.ClusterID + path }

// get calls a GET endpoint as the writer key.
func get(t *testing.T, path string) reply {
	return do(t, call{method: "GET", path: path, user: "writer", pass: "writer-secret"})
}

// produce posts a v3 produce body as the writer key.
func produce(t *testing.T, topic, body string) reply {
	return do(t, call{method: "POST", path: v3("/topics/" + topic + "/records"), body: strings.NewReader(body),
		user: "writer", pass: "writer-secret", header: map[string]string{"Content-Type": "application/json"}})
}

// produceResult is one delivery report of a v3 produce.
type produceResult struct {
	ErrorCode   int     `json:"error_code"`
	Message     string  `json:"message"`
	ClusterID   string  `json:"cluster_id"`
	TopicName   string  `json:"topic_name"`
	PartitionID int32   `json:"partition_id"`
	Offset      int64   `json:"offset"`
	Timestamp   *string `json:"timestamp"`
	Key         *struct {
		Type string `json:"type"`
		Size int    `json:"size"`
	} `json:"key"`
	Value *struct {
		Type string `json:"type"`
		Size int    `json:"size"`
	} `json:"value"`
}

// results decodes the concatenated delivery reports of a produce answer and
// checks each against the spec's ProduceResponse schema.
func results(t *testing.T, r reply) []produceResult {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("produce answered %d: %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content-type %q", ct)
	}
	var out []produceResult
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("produce answer is not concatenated JSON: %v: %s", err, r.Body)
		}
		if err := v3spec.Check("ProduceResponse", raw); err != nil {
			t.Errorf("delivery report does not fit the spec: %v", err)
		}
		var pr produceResult
		if err := json.Unmarshal(raw, &pr); err != nil {
			t.Fatal(err)
		}
		out = append(out, pr)
	}
	return out
}

// as calls an endpoint as a key of the suite ("admin", "writer", "reader";
// "" is anonymous), with a body of the given content type ("" for none).
func as(t *testing.T, user, method, path, contentType, body string) reply {
	t.Helper()
	c := call{method: method, path: path}
	if user != "" {
		c.user, c.pass = user, user+"-secret"
	}
	if contentType != "" || body != "" {
		c.body = strings.NewReader(body)
		c.header = map[string]string{"Content-Type": contentType}
	}
	return do(t, c)
}

// decodeAs checks that r has the given status and a body fitting the spec's
// schema (spec nil or schema "" skips the check), and decodes it into out.
func decodeAs(t *testing.T, r reply, status int, spec *speccheck.Spec, schema string, out any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("answered %d, want %d: %s", r.Status, status, r.Body)
	}
	if spec != nil && schema != "" {
		if err := spec.Check(schema, r.Body); err != nil {
			t.Errorf("body does not fit the spec's %s: %v\n%s", schema, err, r.Body)
		}
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("decoding %s: %v", r.Body, err)
		}
	}
}

// wantError checks that r is an error in the API's envelope with the given
// status and error_code.
func wantError(t *testing.T, r reply, status, code int) errBody {
	t.Helper()
	if r.Status != status {
		t.Fatalf("answered %d, want %d: %s", r.Status, status, r.Body)
	}
	e := r.err(t)
	if e.ErrorCode != code {
		t.Errorf("error_code %d, want %d: %s", e.ErrorCode, code, e.Message)
	}
	return e
}
