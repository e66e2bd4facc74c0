package config

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidate_DecisionLogAndShadow(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, c *Config)
		want   []string // parts of the error; none: valid
	}{
		{name: "every input mode", mutate: func(_ *testing.T, c *Config) { c.DecisionLog.Input = "full" }},
		{name: "a topic on the first cluster", mutate: func(_ *testing.T, c *Config) { c.DecisionLog.Kafka.Topic = "topicgate-decisions" }},
		{name: "a topic on a named cluster", mutate: func(_ *testing.T, c *Config) {
			c.DecisionLog.Kafka.Topic, c.DecisionLog.Kafka.Cluster = "audit.decisions", "main"
		}},
		{name: "a shadow with topics", mutate: func(t *testing.T, c *Config) {
			c.Policy.Shadow.Dir, c.Policy.Shadow.Topics = t.TempDir(), []string{"orders", "sandbox.*"}
		}},

		{name: "unknown input mode", mutate: func(_ *testing.T, c *Config) { c.DecisionLog.Input = "all" },
			want: []string{`decision_log.input: "all" is not one of none, masked, full`}},
		{name: "invalid topic", mutate: func(_ *testing.T, c *Config) { c.DecisionLog.Kafka.Topic = "a/b" },
			want: []string{`decision_log.kafka.topic: "a/b" is not a valid Kafka topic name`}},
		{name: "unknown cluster", mutate: func(_ *testing.T, c *Config) {
			c.DecisionLog.Kafka.Topic, c.DecisionLog.Kafka.Cluster = "d", "other"
		}, want: []string{`decision_log.kafka.cluster: "other" is not a configured cluster`}},
		{name: "a cluster without a topic", mutate: func(_ *testing.T, c *Config) { c.DecisionLog.Kafka.Cluster = "main" },
			want: []string{"decision_log.kafka.cluster: set decision_log.kafka.topic too"}},
		{name: "a topic in guard mode, which has no cluster", mutate: func(_ *testing.T, c *Config) {
			c.Mode, c.Kafka.Clusters, c.DecisionLog.Kafka.Topic = ModeGuard, nil, "topicgate-decisions"
		}, want: []string{"decision_log.kafka.topic: needs a Kafka cluster to produce to; none is configured (mode guard)"}},
		{name: "queue size", mutate: func(_ *testing.T, c *Config) { c.DecisionLog.Kafka.QueueSize = 0 },
			want: []string{"decision_log.kafka.queue_size: must be positive, got 0"}},
		{name: "shadow dir missing", mutate: func(t *testing.T, c *Config) { c.Policy.Shadow.Dir = filepath.Join(t.TempDir(), "nope") },
			want: []string{"policy.shadow.dir: ", "is not a readable directory"}},
		{name: "shadow dir is the policy dir", mutate: func(_ *testing.T, c *Config) { c.Policy.Shadow.Dir = c.Policy.Dir + "/" },
			want: []string{"is policy.dir itself"}},
		{name: "bad topic pattern", mutate: func(_ *testing.T, c *Config) { c.Policy.Shadow.Topics = []string{"orders", "sand[box"} },
			want: []string{`policy.shadow.topics[1]: "sand[box" is not a topic name or pattern`}},
		{name: "shadow queue and workers", mutate: func(_ *testing.T, c *Config) { c.Policy.Shadow.QueueSize, c.Policy.Shadow.Workers = 0, -1 },
			want: []string{"policy.shadow.queue_size: must be positive, got 0", "policy.shadow.workers: must be positive, got -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(t, c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoad_DecisionLogAndShadowFlags(t *testing.T) {
	policyDir, shadowDir := t.TempDir(), t.TempDir()
	args := []string{"-policy-dir", policyDir, "-bootstrap-servers", "k:9092",
		"-policy-shadow-dir", shadowDir, "-decision-log-topic", "topicgate-decisions", "-decision-log-cluster", "default"}
	e := env{"TOPICGATE_POLICY_SHADOW_TOPICS": " orders, sandbox.* ,,", "TOPICGATE_DECISION_LOG_INPUT": "none"}
	c, err := Load(args, e.get, io.Discard)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []any{shadowDir, []string{"orders", "sandbox.*"}, "none", DecisionLogKafka{Topic: "topicgate-decisions", Cluster: "default", QueueSize: 10000}}
	got := []any{c.Policy.Shadow.Dir, c.Policy.Shadow.Topics, c.DecisionLog.Input, c.DecisionLog.Kafka}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
