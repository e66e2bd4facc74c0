package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// Credentials and the policy decide, before anything reaches Kafka.
func TestAuthentication(t *testing.T) {
	record := `{"value":{"type":"STRING","data":"should not land"}}`
	tests := []struct {
		name       string
		user, pass string
		rawAuth    string
		method     string
		path       string
		status     int
		code       int
	}{
		{"anonymous may list topics", "", "", "", "GET", v3("/topics"), 200, 0},
		{"anonymous may not describe a topic", "", "", "", "GET", v3("/topics/orders"), 401, 40101},
		{"anonymous may not produce", "", "", "", "POST", v3("/topics/forbidden/records"), 401, 40101},
		{"wrong secret", "writer", "nope", "", "GET", v3("/topics"), 401, 40101},
		{"unknown key", "nobody", "x", "", "GET", v3("/topics"), 401, 40101},
		{"not basic", "", "", "Digest username=writer", "GET", v3("/topics"), 401, 40101},
		{"basic without colon", "", "", "Basic d3JpdGVy", "GET", v3("/topics"), 401, 40101},
		{"basic not base64", "", "", "Basic ***", "GET", v3("/topics"), 401, 40101},
		{"reader may describe", "reader", "reader-secret", "", "GET", v3("/topics/orders"), 200, 0},
		{"reader may not produce", "reader", "reader-secret", "", "POST", v3("/topics/forbidden/records"), 403, 40301},
		{"writer may not produce to forbidden", "writer", "writer-secret", "", "POST", v3("/topics/forbidden/records"), 403, 40301},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := call{method: tc.method, path: tc.path, user: tc.user, pass: tc.pass,
				header: map[string]string{"Content-Type": "application/json"}}
			if tc.method == "POST" {
				c.body = strings.NewReader(record)
			}
			if tc.rawAuth != "" {
				c.header["Authorization"] = tc.rawAuth
			}
			r := do(t, c)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.code == 0 {
				return
			}
			if e := r.err(t); e.ErrorCode != tc.code {
				t.Errorf("error_code %d, want %d: %s", e.ErrorCode, tc.code, e.Message)
			}
			if tc.status == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("Www-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: %v", r.Header)
			}
		})
	}
	if n := recordCount(t, "forbidden"); n != 0 {
		t.Fatalf("denied requests wrote %d records", n)
	}
}

// The second policy check sees the records: a request with a record the
// policy refuses writes none of its records.
func TestRecordsPhaseDenial(t *testing.T) {
	body := `{"value":{"type":"STRING","data":"fine"}}
{"value":{"type":"STRING","data":"classified"},"headers":[{"name":"classification","value":"c2VjcmV0"}]}`
	r := produce(t, "denied-records", body)
	if r.Status != http.StatusForbidden {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if e := r.err(t); e.ErrorCode != 40301 || !strings.Contains(e.Message, "classified secret") {
		t.Errorf("got %+v", e)
	}
	if n := recordCount(t, "denied-records"); n != 0 {
		t.Fatalf("a denied request wrote %d records", n)
	}
	// The same records without the classification are written.
	rs := results(t, produce(t, "denied-records", `{"value":{"type":"STRING","data":"fine"}}`))
	if len(rs) != 1 || rs[0].ErrorCode != 200 {
		t.Fatalf("results %+v", rs)
	}
	if n := recordCount(t, "denied-records"); n != 1 {
		t.Fatalf("want 1 record, found %d", n)
	}
}
