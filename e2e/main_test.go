// The e2e suite: every request goes over HTTP through a real Envoy (the
// shipped envoy.yaml) to topicgate to a real Apache Kafka broker, and what
// landed in Kafka is read back with a Kafka consumer.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/speccheck"
	"github.com/topicgate/topicgate/e2e/stack"
)

var (
	st        *stack.Stack    // the suite's stack: e2e policy and keys
	root      string          // repository root
	paths     stack.Paths     // installed Kafka and Envoy
	bin       string          // topicgate binary under test
	policyDir string          // a copy of testdata/policy the reload test edits
	shadowDir string          // a copy of testdata/shadow-policy, the shadow policy (ops_test.go)
	v3spec    *speccheck.Spec // Confluent's v3 OpenAPI document
	v2spec    *speccheck.Spec // the Strimzi bridge's OpenAPI document
)

// Topics of the suite, each used by one concern so their contents can be
// checked exactly.
var topics = []stack.TopicSpec{
	{Name: "orders", Partitions: 1},
	{Name: "multi", Partitions: 3},
	{Name: "small", Partitions: 1, Configs: map[string]string{"max.message.bytes": "1024"}},
	{Name: "badinput", Partitions: 1},
	{Name: "forbidden", Partitions: 1},
	{Name: "denied-records", Partitions: 1},
	{Name: "nonsense", Partitions: 1},
	{Name: "failing", Partitions: 1},
	{Name: "reload", Partitions: 1},
	{Name: "mixed", Partitions: 1},
	{Name: "topicgate-decisions", Partitions: 2}, // the decision log topic (ops_test.go)
	{Name: "ops-decisions", Partitions: 1},
	{Name: "ops-shadow", Partitions: 1},
	{Name: "ops-shadow-reload", Partitions: 1},
	{Name: "identity-jwt", Partitions: 1},
	{Name: "identity-mtls", Partitions: 1},
	{Name: "identity-both", Partitions: 1},
	{Name: "identity-whoami", Partitions: 1},
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	start := time.Now()
	ctx := context.Background()
	var err error
	wd, _ := os.Getwd()
	if root, err = stack.Root(wd); err != nil {
		return fail(err)
	}
	specs := os.Getenv("TOPICGATE_SPECS") // the API specs clients are built from
	if specs == "" {
		specs = filepath.Join(root, "..", "shared", "specs")
	}
	if v3spec, err = speccheck.Load(filepath.Join(specs, "confluent-kafka-rest-v3.openapi.yaml")); err != nil {
		return fail(fmt.Errorf("the Confluent v3 spec is needed (../shared/specs, or set TOPICGATE_SPECS): %w", err))
	}
	if v2spec, err = speccheck.Load(filepath.Join(specs, "strimzi-kafka-bridge.openapi.json")); err != nil {
		return fail(fmt.Errorf("the Strimzi bridge spec is needed (../shared/specs, or set TOPICGATE_SPECS): %w", err))
	}
	if paths, err = stack.Install(root); err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp("", "topicgate-e2e-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	bin = filepath.Join(tmp, "topicgate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/topicgate")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fail(fmt.Errorf("building topicgate: %w", err))
	}
	policyDir = filepath.Join(tmp, "policy")
	if err := copyDir(filepath.Join(root, "e2e", "testdata", "policy"), policyDir); err != nil {
		return fail(err)
	}
	shadowDir = filepath.Join(tmp, "shadow-policy")
	if err := copyDir(filepath.Join(root, "e2e", "testdata", "shadow-policy"), shadowDir); err != nil {
		return fail(err)
	}
	st, err = stack.Start(ctx, stack.Options{
		Root: root, TopicgateBin: bin, Dir: filepath.Join(tmp, "stack"), Paths: paths,
		PolicyDir: policyDir, APIKeysFile: filepath.Join(root, "e2e", "testdata", "api-keys.yaml"),
		Topics: topics, TopicgateArgs: []string{"-policy-reload-interval", "200ms", "-log-level", "debug",
			"-policy-shadow-dir", shadowDir, "-policy-shadow-topics", "ops-shadow*", "-decision-log-topic", "topicgate-decisions"},
	})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(os.Stderr, "e2e: stack up in %s (Kafka %s, Envoy %s, topicgate admin %s)\n",
		time.Since(start).Round(time.Millisecond), st.Bootstrap, st.URL, st.AdminURL)
	code := m.Run()
	if err := checkCoverage(os.Stderr); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	if code != 0 {
		st.DumpLogs(os.Stderr)
	}
	st.Stop()
	return code
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "e2e setup failed:", err)
	if st != nil {
		st.DumpLogs(os.Stderr)
		st.Stop()
	}
	return 1
}

// copyDir copies a directory tree (the policies and their schemas/).
func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := copyDir(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
