package config

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// DecisionLog configures the decision log: what each line carries, and
// whether the lines also go to a Kafka topic.
type DecisionLog struct {
	// Input is how much of the policy input each line carries: none,
	// masked (its shape, with record contents replaced by type and size) or
	// full (record contents too). Secrets are redacted in every mode.
	Input string           `yaml:"input"`
	Kafka DecisionLogKafka `yaml:"kafka"`
}

// DecisionLogKafka ships decision lines to a Kafka topic, through the
// cluster's producer, without ever making a request wait.
type DecisionLogKafka struct {
	Topic   string `yaml:"topic"`   // "" disables
	Cluster string `yaml:"cluster"` // a kafka.clusters[].name; "" is the first
	// QueueSize bounds the lines waiting for Kafka; more are dropped and
	// counted.
	QueueSize int `yaml:"queue_size"`
}

// Shadow is a candidate policy evaluated beside the active one: differences
// are logged and counted, answers never change.
type Shadow struct {
	Dir string `yaml:"dir"` // "" disables
	// Topics limits the shadow to decisions on these topics (path.Match
	// patterns: "orders", "sandbox.*"); empty means every decision.
	Topics []string `yaml:"topics"`
	// QueueSize bounds the decisions waiting for the shadow; more are not
	// shadowed (counted as skipped).
	QueueSize int `yaml:"queue_size"`
	Workers   int `yaml:"workers"` // shadow evaluations at once
}

func (c *Config) validateDecisionLog(add func(string, ...any)) {
	switch c.DecisionLog.Input {
	case "none", "masked", "full":
	default:
		add("decision_log.input: %q is not one of none, masked, full", c.DecisionLog.Input)
	}
	k := c.DecisionLog.Kafka
	if k.Topic != "" {
		if kafkarest.ValidateTopicName(k.Topic) != nil {
			add("decision_log.kafka.topic: %q is not a valid Kafka topic name (1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')", k.Topic)
		}
		if len(c.Kafka.Clusters) == 0 {
			add("decision_log.kafka.topic: needs a Kafka cluster to produce to; none is configured (mode %s)", c.Mode)
		} else if k.Cluster != "" && !c.hasCluster(k.Cluster) {
			add("decision_log.kafka.cluster: %q is not a configured cluster (kafka.clusters[].name)", k.Cluster)
		}
	} else if k.Cluster != "" {
		add("decision_log.kafka.cluster: set decision_log.kafka.topic too, or leave it empty")
	}
	if k.QueueSize <= 0 {
		add("decision_log.kafka.queue_size: must be positive, got %d", k.QueueSize)
	}

	s := c.Policy.Shadow
	if s.Dir != "" {
		if !isDir(s.Dir) {
			add("policy.shadow.dir: %q is not a readable directory", s.Dir)
		} else if c.Policy.Dir != "" && filepath.Clean(s.Dir) == filepath.Clean(c.Policy.Dir) {
			add("policy.shadow.dir: %q is policy.dir itself; the shadow is a candidate in another directory", s.Dir)
		}
	}
	for i, p := range s.Topics {
		if _, err := path.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
			add("policy.shadow.topics[%d]: %q is not a topic name or pattern (orders, sandbox.*)", i, p)
		}
	}
	if s.QueueSize <= 0 {
		add("policy.shadow.queue_size: must be positive, got %d", s.QueueSize)
	}
	if s.Workers <= 0 {
		add("policy.shadow.workers: must be positive, got %d", s.Workers)
	}
}

func (c *Config) hasCluster(name string) bool {
	for _, cl := range c.Kafka.Clusters {
		if cl.Name == name {
			return true
		}
	}
	return false
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
