package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A policy that answers nonsense or fails denies, and the log says why.
func TestBrokenDecisionsDeny(t *testing.T) {
	tests := []struct{ topic, logged string }{
		{"nonsense", "expected boolean or object decision, got string"},
		{"failing", "evaluating data.topicgate.authz.decision"},
	}
	for _, tc := range tests {
		t.Run(tc.topic, func(t *testing.T) {
			r := produce(t, tc.topic, `{"value":{"type":"STRING","data":"x"}}`)
			if r.Status != http.StatusForbidden {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if e := r.err(t); e.ErrorCode != 40301 {
				t.Errorf("got %+v", e)
			}
			waitForLog(t, st.LogPath("topicgate"), tc.logged)
			if n := recordCount(t, tc.topic); n != 0 {
				t.Fatalf("wrote %d records", n)
			}
		})
	}
}

// Policies reload when their files change; a broken change keeps the last
// good policies in force and shows in /readyz.
func TestPolicyHotReload(t *testing.T) {
	produceAsReader := func() int {
		return do(t, call{method: "POST", path: v3("/topics/reload/records"), body: strings.NewReader(`{"value":{"type":"STRING","data":"r"}}`),
			user: "reader", pass: "reader-secret", header: map[string]string{"Content-Type": "application/json"}}).Status
	}
	if s := produceAsReader(); s != http.StatusForbidden {
		t.Fatalf("before reload: status %d", s)
	}
	extra := filepath.Join(policyDir, "reload.rego")
	broken := filepath.Join(policyDir, "broken.rego")
	files := len(readyz(t).Policy.Files) // authz.rego and the other files of testdata/policy
	t.Cleanup(func() {
		os.Remove(extra)
		os.Remove(broken)
		eventually(t, func() bool { return readyz(t).Policy.LastError == "" && len(readyz(t).Policy.Files) == files })
	})
	writeFile(t, extra, "package topicgate.authz\n\nallow if {\n\tinput.principal.id == \"reader\"\n\tinput.topic == \"reload\"\n}\n")
	eventually(t, func() bool { return produceAsReader() == http.StatusOK })

	failedBefore := readyz(t).Policy.Failures
	writeFile(t, broken, "package topicgate.authz\n\nallow if {{{ \n")
	eventually(t, func() bool { return readyz(t).Policy.Failures > failedBefore })
	rz := readyz(t)
	if !strings.Contains(rz.Policy.LastError, "broken.rego") || !rz.Ready {
		t.Errorf("readyz after a failed load: %+v", rz)
	}
	if s := produceAsReader(); s != http.StatusOK {
		t.Fatalf("the last good policy was not kept: status %d", s)
	}
}

type readiness struct {
	Ready  bool `json:"ready"`
	Policy struct {
		Loaded    bool     `json:"loaded"`
		Files     []string `json:"files"`
		Failures  int      `json:"failed_loads"`
		LastError string   `json:"last_error"`
	} `json:"policy"`
	Kafka map[string]struct {
		Reachable bool   `json:"reachable"`
		ClusterID string `json:"cluster_id"`
	} `json:"kafka"`
}

func readyz(t *testing.T) readiness {
	t.Helper()
	resp, err := client.Get(st.AdminURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r readiness
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

func waitForLog(t *testing.T, path, text string) {
	t.Helper()
	eventually(t, func() bool {
		b, _ := os.ReadFile(path)
		return strings.Contains(string(b), text)
	})
}
