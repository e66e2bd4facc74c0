// Package config loads topicgate's configuration: defaults, then a YAML file,
// then TOPICGATE_* environment variables, then command-line flags. Validate
// reports every problem at once.
package config

import (
	"fmt"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is topicgate's whole configuration. docs/configuration.md describes it.
type Config struct {
	// Mode is ModeGateway (the default) or ModeGuard.
	Mode     string   `yaml:"mode"`
	Listen   Listen   `yaml:"listen"`
	Log      Log      `yaml:"log"`
	Policy   Policy   `yaml:"policy"`
	Identity Identity `yaml:"identity"`
	Limits   Limits   `yaml:"limits"`
	Kafka    Kafka    `yaml:"kafka"`
	Reads    Reads    `yaml:"reads"`
	// Consumers configures the Strimzi-style consumer instances.
	Consumers Consumers `yaml:"consumers"`
	// DecisionLog configures the decision log (decisionlog.go).
	DecisionLog DecisionLog `yaml:"decision_log"`
	// ShutdownTimeout bounds the drain on SIGTERM: in-flight requests finish
	// and the producers flush within it.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
}

// Modes topicgate runs in.
const (
	// ModeGateway serves Kafka itself (ext_proc), and also answers ext_authz
	// checks: kafka.clusters are required.
	ModeGateway = "gateway"
	// ModeGuard only answers ext_authz checks for a Kafka REST backend that
	// serves the requests: no Kafka cluster is configured or called.
	ModeGuard = "guard"
)

// Listen says where topicgate listens.
type Listen struct {
	GRPC  string `yaml:"grpc"`  // host:port for ext_proc, ext_authz and gRPC health ("" disables)
	Unix  string `yaml:"unix"`  // unix socket path for the same services ("" disables)
	Admin string `yaml:"admin"` // host:port for /healthz, /readyz, /metrics ("" disables)
	// Profiling serves Go's profiles under /debug/pprof/ on the admin
	// listener. Off by default: profiles reveal internals, and a CPU profile
	// costs CPU while it runs.
	Profiling bool `yaml:"profiling"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or console
}

// Policy configures the policy engine.
type Policy struct {
	Dir            string   `yaml:"dir"`
	Query          string   `yaml:"query"`
	Timeout        Duration `yaml:"timeout"`
	ReloadInterval Duration `yaml:"reload_interval"` // 0 disables watching
	// Shadow is a candidate policy evaluated beside this one (decisionlog.go).
	Shadow Shadow `yaml:"shadow"`
	// SchemaDir holds the JSON Schemas decisions name (value_schema):
	// relative to Dir unless absolute. It is not loaded as policy data.
	SchemaDir string `yaml:"schema_dir"`
}

// Schemas is the schema directory's path.
func (p Policy) Schemas() string {
	if filepath.IsAbs(p.SchemaDir) {
		return p.SchemaDir
	}
	return filepath.Join(p.Dir, p.SchemaDir)
}

// Identity configures how callers authenticate.
type Identity struct {
	APIKeysFile string `yaml:"api_keys_file"`
	JWT         JWT    `yaml:"jwt"`
}

// JWT configures the identity taken from JWT claims that Envoy's jwt_authn
// filter verified and forwarded as dynamic metadata. topicgate never reads
// a token itself.
type JWT struct {
	// Enabled trusts verified claims; off, a Bearer token is refused.
	Enabled bool `yaml:"enabled"`
	// PayloadKey is the provider's payload_in_metadata in envoy.yaml.
	PayloadKey string `yaml:"payload_key"`
	// IDClaim is the claim holding the principal's id.
	IDClaim string `yaml:"id_claim"`
	// GroupsClaim is the claim holding the caller's groups ("" for none).
	GroupsClaim string `yaml:"groups_claim"`
	// MaxClaimsBytes bounds the claims' JSON size; larger claims are refused.
	MaxClaimsBytes int `yaml:"max_claims_bytes"`
}

// Limits bound requests.
type Limits struct {
	MaxBodyBytes int `yaml:"max_body_bytes"`
	MaxRecords   int `yaml:"max_records"`
	// AnswerTimeout bounds the work on each phase of a request (its
	// headers, then its body): all its Kafka and policy calls together.
	// Keep it below Envoy's ext_proc message_timeout, so the client gets
	// topicgate's answer (an error if need be), never Envoy's 504.
	AnswerTimeout Duration `yaml:"answer_timeout"`
	// QuotaBuckets caps the token buckets of the policy's quotas, one per
	// principal, cluster, topic and operation in use.
	QuotaBuckets int `yaml:"quota_buckets"`
}

// Reads bound the answers of reads (stateless reads and consumer polls).
type Reads struct {
	// MaxWait is the longest a read may wait for records (long poll). Keep it
	// below Envoy's ext_proc message_timeout.
	MaxWait Duration `yaml:"max_wait"`
	// MaxBytes bounds the record bytes of one answer; a request may ask for less.
	MaxBytes int `yaml:"max_bytes"`
	// MaxRecords bounds the records of one answer; a request may ask for less.
	MaxRecords int `yaml:"max_records"`
}

// Consumers configures consumer instances, which live in one topicgate
// process until deleted or idle for IdleTimeout.
type Consumers struct {
	IdleTimeout  Duration `yaml:"idle_timeout"`
	MaxInstances int      `yaml:"max_instances"`
}

// Kafka configures the clusters.
type Kafka struct {
	ProduceTimeout Duration  `yaml:"produce_timeout"`
	RequestTimeout Duration  `yaml:"request_timeout"`
	MetadataTTL    Duration  `yaml:"metadata_ttl"`
	Clusters       []Cluster `yaml:"clusters"`
}

// Cluster is one Kafka cluster.
type Cluster struct {
	Name             string `yaml:"name"`
	BootstrapServers string `yaml:"bootstrap_servers"`
	// Properties are passed to librdkafka as they are (security.protocol,
	// sasl.mechanisms, sasl.username, sasl.password, ssl.ca.location, ...).
	Properties map[string]string `yaml:"properties"`
}

// Default is the configuration before any file, variable or flag.
func Default() *Config {
	return &Config{
		Mode:   ModeGateway,
		Listen: Listen{GRPC: "127.0.0.1:9001", Admin: "127.0.0.1:9090"},
		Log:    Log{Level: "info", Format: "json"},
		Policy: Policy{
			Query:          "data.topicgate.authz.decision",
			Timeout:        Duration(time.Second),
			ReloadInterval: Duration(2 * time.Second),
			Shadow:         Shadow{QueueSize: 1000, Workers: 1},
			SchemaDir:      "schemas",
		},
		Identity: Identity{JWT: JWT{
			Enabled: true, PayloadKey: "jwt_payload", IDClaim: "sub", GroupsClaim: "groups", MaxClaimsBytes: 16 << 10,
		}},
		Limits: Limits{MaxBodyBytes: 1 << 20, MaxRecords: 1000, AnswerTimeout: Duration(14 * time.Second), QuotaBuckets: 100_000},
		Kafka: Kafka{
			ProduceTimeout: Duration(10 * time.Second),
			RequestTimeout: Duration(5 * time.Second),
			MetadataTTL:    Duration(2 * time.Second),
		},
		Reads:           Reads{MaxWait: Duration(10 * time.Second), MaxBytes: 1 << 20, MaxRecords: 1000},
		Consumers:       Consumers{IdleTimeout: Duration(5 * time.Minute), MaxInstances: 100},
		ShutdownTimeout: Duration(15 * time.Second),
		DecisionLog:     DecisionLog{Input: "masked", Kafka: DecisionLogKafka{QueueSize: 10000}},
	}
}

// Duration is a time.Duration written as "10s", "250ms" in YAML.
type Duration time.Duration

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 10s or 250ms", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func (d Duration) String() string { return time.Duration(d).String() }
