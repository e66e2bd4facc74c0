package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Validate checks the configuration and reports every problem it finds.
func (c *Config) Validate() error {
	var p []error
	add := func(format string, args ...any) { p = append(p, fmt.Errorf(format, args...)) }

	if c.Listen.GRPC == "" && c.Listen.Unix == "" {
		add("listen: set listen.grpc or listen.unix, or Envoy has nothing to call")
	}
	for _, l := range []struct{ name, addr string }{{"listen.grpc", c.Listen.GRPC}, {"listen.admin", c.Listen.Admin}} {
		if l.addr != "" {
			if _, _, err := net.SplitHostPort(l.addr); err != nil {
				add("%s: %q is not host:port", l.name, l.addr)
			}
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		add("log.format: %q is not json or console", c.Log.Format)
	}

	if c.Policy.Dir == "" {
		add("policy.dir: required (a directory of Rego policies defining data.topicgate.authz.decision)")
	} else if st, err := os.Stat(c.Policy.Dir); err != nil || !st.IsDir() {
		add("policy.dir: %q is not a readable directory", c.Policy.Dir)
	}
	if c.Policy.Query == "" {
		add("policy.query: required")
	}
	positive(add, "policy.timeout", c.Policy.Timeout)
	if c.Policy.ReloadInterval < 0 {
		add("policy.reload_interval: must not be negative")
	}
	c.validateDecisionLog(add)
	if c.Policy.SchemaDir == "" {
		add("policy.schema_dir: required (a directory of JSON Schemas, relative to policy.dir; it need not exist)")
	} else if st, err := os.Stat(c.Policy.Schemas()); err == nil && !st.IsDir() {
		add("policy.schema_dir: %q is not a directory", c.Policy.Schemas())
	}
	if f := c.Identity.APIKeysFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			add("identity.api_keys_file: %v", err)
		}
	}
	if j := c.Identity.JWT; j.Enabled {
		if j.PayloadKey == "" {
			add("identity.jwt.payload_key: required when identity.jwt.enabled (the jwt_authn provider's payload_in_metadata)")
		}
		if j.IDClaim == "" {
			add("identity.jwt.id_claim: required when identity.jwt.enabled")
		}
		if j.MaxClaimsBytes < 256 || j.MaxClaimsBytes > 1<<20 {
			add("identity.jwt.max_claims_bytes: must be from 256 to %d, got %d", 1<<20, j.MaxClaimsBytes)
		}
	}

	if c.Limits.MaxBodyBytes <= 0 || c.Limits.MaxBodyBytes > 64<<20 {
		add("limits.max_body_bytes: must be from 1 to %d, got %d", 64<<20, c.Limits.MaxBodyBytes)
	}
	if c.Limits.MaxRecords <= 0 {
		add("limits.max_records: must be positive, got %d", c.Limits.MaxRecords)
	}
	if c.Limits.QuotaBuckets <= 0 || c.Limits.QuotaBuckets > 10_000_000 {
		add("limits.quota_buckets: must be from 1 to 10000000, got %d", c.Limits.QuotaBuckets)
	}
	positive(add, "limits.answer_timeout", c.Limits.AnswerTimeout)
	if need := c.Kafka.ProduceTimeout + Duration(time.Second); c.Limits.AnswerTimeout > 0 && c.Limits.AnswerTimeout <= need {
		add("limits.answer_timeout: %s must exceed kafka.produce_timeout + 1s (%s), or produces time out before Kafka answers", c.Limits.AnswerTimeout, need)
	}
	if need := c.Reads.MaxWait + Duration(2*time.Second); c.Limits.AnswerTimeout > 0 && c.Limits.AnswerTimeout <= need {
		add("limits.answer_timeout: %s must exceed reads.max_wait + 2s (%s), or long polls time out", c.Limits.AnswerTimeout, need)
	}
	positive(add, "reads.max_wait", c.Reads.MaxWait)
	if c.Reads.MaxBytes <= 0 || c.Reads.MaxBytes > 16<<20 {
		add("reads.max_bytes: must be from 1 to %d, got %d", 16<<20, c.Reads.MaxBytes)
	}
	if c.Reads.MaxRecords <= 0 {
		add("reads.max_records: must be positive, got %d", c.Reads.MaxRecords)
	}
	positive(add, "consumers.idle_timeout", c.Consumers.IdleTimeout)
	if c.Consumers.MaxInstances <= 0 {
		add("consumers.max_instances: must be positive, got %d", c.Consumers.MaxInstances)
	}

	positive(add, "kafka.produce_timeout", c.Kafka.ProduceTimeout)
	positive(add, "kafka.request_timeout", c.Kafka.RequestTimeout)
	if c.Kafka.MetadataTTL < 0 {
		add("kafka.metadata_ttl: must not be negative")
	}
	positive(add, "shutdown_timeout", c.ShutdownTimeout)
	switch {
	case c.Mode != ModeGateway && c.Mode != ModeGuard:
		add("mode: %q is not %s or %s", c.Mode, ModeGateway, ModeGuard)
	case c.Mode == ModeGuard && len(c.Kafka.Clusters) > 0:
		// A guard never calls Kafka: clusters would be a setting with no effect.
		add("kafka.clusters: mode %s calls no Kafka (the backend does); remove the clusters (and -bootstrap-servers)", ModeGuard)
	case c.Mode == ModeGateway && len(c.Kafka.Clusters) == 0:
		add("kafka.clusters: configure at least one cluster (or pass -bootstrap-servers), or set mode %s to only guard a Kafka REST backend", ModeGuard)
	}
	seen := map[string]bool{}
	for i, cl := range c.Kafka.Clusters {
		switch {
		case cl.Name == "":
			add("kafka.clusters[%d].name: required", i)
		case seen[cl.Name]:
			add("kafka.clusters[%d].name: %q is used twice", i, cl.Name)
		}
		seen[cl.Name] = true
		if cl.BootstrapServers == "" && cl.Properties["bootstrap.servers"] == "" {
			add("kafka.clusters[%d] (%s): bootstrap_servers is required", i, cl.Name)
		}
	}
	return errors.Join(p...)
}

func positive(add func(string, ...any), name string, d Duration) {
	if time.Duration(d) <= 0 {
		add("%s: must be a positive duration, got %s", name, d)
	}
}
