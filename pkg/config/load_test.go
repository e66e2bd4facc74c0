package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad_DefaultsAndRequiredFlags(t *testing.T) {
	dir := t.TempDir()
	got, err := Load([]string{"-policy-dir", dir, "-bootstrap-servers", "kafka:9092"}, env{}.get, io.Discard)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	want.Policy.Dir = dir
	want.Kafka.Clusters = []Cluster{{Name: "default", BootstrapServers: "kafka:9092"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
}

func TestDefault(t *testing.T) {
	d := Default()
	tests := []struct {
		name string
		got  any
		want any
	}{
		{name: "grpc", got: d.Listen.GRPC, want: "127.0.0.1:9001"},
		{name: "admin", got: d.Listen.Admin, want: "127.0.0.1:9090"},
		{name: "query", got: d.Policy.Query, want: "data.topicgate.authz.decision"},
		{name: "policy timeout", got: d.Policy.Timeout.D(), want: time.Second},
		{name: "max body", got: d.Limits.MaxBodyBytes, want: 1 << 20},
		{name: "produce timeout", got: d.Kafka.ProduceTimeout.D(), want: 10 * time.Second},
		{name: "shutdown", got: d.ShutdownTimeout.D(), want: 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestLoad_FileWithEveryField(t *testing.T) {
	policyDir, shadowDir := t.TempDir(), t.TempDir()
	keys := writeFile(t, "keys.yaml", "keys: []\n")
	path := writeFile(t, "topicgate.yaml", `
mode: gateway
listen:
  grpc: 0.0.0.0:9101
  unix: /run/topicgate.sock
  admin: 0.0.0.0:9190
log:
  level: debug
  format: console
policy:
  dir: `+policyDir+`
  query: data.custom.decision
  timeout: 250ms
  reload_interval: 0s
  shadow:
    dir: `+shadowDir+`
    topics: [orders, sandbox.*]
    queue_size: 50
    workers: 2
  schema_dir: /etc/topicgate/schemas
identity:
  api_keys_file: `+keys+`
  jwt:
    enabled: true
    payload_key: my_payload
    id_claim: email
    groups_claim: roles
    max_claims_bytes: 4096
limits:
  max_body_bytes: 2048
  max_records: 5
  answer_timeout: 12s
  quota_buckets: 500
kafka:
  produce_timeout: 3s
  request_timeout: 1500ms
  metadata_ttl: 1m
  clusters:
    - name: main
      bootstrap_servers: k1:9092,k2:9092
      properties:
        security.protocol: SASL_SSL
        sasl.mechanisms: PLAIN
    - name: dr
      properties:
        bootstrap.servers: k3:9092
reads:
  max_wait: 5s
  max_bytes: 4096
  max_records: 50
consumers:
  idle_timeout: 1m
  max_instances: 7
shutdown_timeout: 30s
decision_log:
  input: full
  kafka:
    topic: topicgate-decisions
    cluster: dr
    queue_size: 100
`)
	got, err := Load([]string{"-config", path}, env{}.get, io.Discard)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Config{
		Mode:   ModeGateway,
		Listen: Listen{GRPC: "0.0.0.0:9101", Unix: "/run/topicgate.sock", Admin: "0.0.0.0:9190"},
		Log:    Log{Level: "debug", Format: "console"},
		Policy: Policy{Dir: policyDir, Query: "data.custom.decision", Timeout: Duration(250 * time.Millisecond), ReloadInterval: 0,
			Shadow: Shadow{Dir: shadowDir, Topics: []string{"orders", "sandbox.*"}, QueueSize: 50, Workers: 2}, SchemaDir: "/etc/topicgate/schemas"},
		Identity: Identity{APIKeysFile: keys, JWT: JWT{Enabled: true, PayloadKey: "my_payload", IDClaim: "email", GroupsClaim: "roles", MaxClaimsBytes: 4096}},
		Limits:   Limits{MaxBodyBytes: 2048, MaxRecords: 5, AnswerTimeout: Duration(12 * time.Second), QuotaBuckets: 500},
		Kafka: Kafka{
			ProduceTimeout: Duration(3 * time.Second), RequestTimeout: Duration(1500 * time.Millisecond), MetadataTTL: Duration(time.Minute),
			Clusters: []Cluster{
				{Name: "main", BootstrapServers: "k1:9092,k2:9092", Properties: map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN"}},
				{Name: "dr", Properties: map[string]string{"bootstrap.servers": "k3:9092"}},
			},
		},
		Reads:           Reads{MaxWait: Duration(5 * time.Second), MaxBytes: 4096, MaxRecords: 50},
		Consumers:       Consumers{IdleTimeout: Duration(time.Minute), MaxInstances: 7},
		ShutdownTimeout: Duration(30 * time.Second),
		DecisionLog:     DecisionLog{Input: "full", Kafka: DecisionLogKafka{Topic: "topicgate-decisions", Cluster: "dr", QueueSize: 100}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
}

func TestLoad_Precedence(t *testing.T) {
	policyDir := t.TempDir()
	file := writeFile(t, "c.yaml", "log:\n  level: warn\npolicy:\n  dir: "+policyDir+"\nkafka:\n  clusters:\n    - name: main\n      bootstrap_servers: file:9092\n")
	tests := []struct {
		name          string
		args          []string
		env           env
		wantLevel     string
		wantClusters  []Cluster
		wantMaxBody   int
		wantProduceTO time.Duration
	}{
		{
			name: "the file overrides defaults", args: []string{"-config", file},
			wantLevel: "warn", wantClusters: []Cluster{{Name: "main", BootstrapServers: "file:9092"}}, wantMaxBody: 1 << 20, wantProduceTO: 10 * time.Second,
		},
		{
			name: "the file can come from the environment", env: env{"TOPICGATE_CONFIG": file},
			wantLevel: "warn", wantClusters: []Cluster{{Name: "main", BootstrapServers: "file:9092"}}, wantMaxBody: 1 << 20, wantProduceTO: 10 * time.Second,
		},
		{
			name: "the environment overrides the file", args: []string{"-config", file},
			env:       env{"TOPICGATE_LOG_LEVEL": "error", "TOPICGATE_BOOTSTRAP_SERVERS": "env:9092", "TOPICGATE_MAX_BODY_BYTES": "100", "TOPICGATE_PRODUCE_TIMEOUT": "2s"},
			wantLevel: "error", wantClusters: []Cluster{{Name: "main", BootstrapServers: "env:9092"}}, wantMaxBody: 100, wantProduceTO: 2 * time.Second,
		},
		{
			name:      "flags override the environment",
			args:      []string{"-config", file, "-log-level", "debug", "-bootstrap-servers", "flag:9092", "-max-body-bytes", "200", "-produce-timeout", "5s"},
			env:       env{"TOPICGATE_LOG_LEVEL": "error", "TOPICGATE_BOOTSTRAP_SERVERS": "env:9092", "TOPICGATE_MAX_BODY_BYTES": "100", "TOPICGATE_PRODUCE_TIMEOUT": "2s"},
			wantLevel: "debug", wantClusters: []Cluster{{Name: "main", BootstrapServers: "flag:9092"}}, wantMaxBody: 200, wantProduceTO: 5 * time.Second,
		},
		{
			name: "an empty variable is unset", args: []string{"-config", file}, env: env{"TOPICGATE_LOG_LEVEL": ""},
			wantLevel: "warn", wantClusters: []Cluster{{Name: "main", BootstrapServers: "file:9092"}}, wantMaxBody: 1 << 20, wantProduceTO: 10 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env == nil {
				tt.env = env{}
			}
			c, err := Load(tt.args, tt.env.get, io.Discard)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := []any{c.Log.Level, c.Kafka.Clusters, c.Limits.MaxBodyBytes, c.Kafka.ProduceTimeout.D()}
			want := []any{tt.wantLevel, tt.wantClusters, tt.wantMaxBody, tt.wantProduceTO}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("level, clusters, max body, produce timeout mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoad_Errors(t *testing.T) {
	dir := t.TempDir()
	required := []string{"-policy-dir", dir, "-bootstrap-servers", "k:9092"}
	tests := []struct {
		name string
		args []string
		env  env
		file string // written and passed with -config
		want []string
		is   error
	}{
		{name: "help", args: []string{"-h"}, is: flag.ErrHelp},
		{name: "unknown flag", args: []string{"-nope"}, want: []string{"flag provided but not defined: -nope"}},
		{name: "stray arguments", args: append([]string{"serve", "now"}, required...), want: []string{"unexpected arguments: serve now"}},
		{name: "missing file", args: []string{"-config", filepath.Join(dir, "missing.yaml")}, want: []string{"no such file"}},
		{name: "unknown YAML field", file: "listen:\n  grpc: 127.0.0.1:1\n  nope: 1\n", args: required, want: []string{"field nope not found"}},
		{name: "YAML of the wrong type", file: "limits:\n  max_records: many\n", args: required, want: []string{"cannot unmarshal"}},
		{name: "bad YAML duration", file: "kafka:\n  produce_timeout: soon\n", args: required, want: []string{`line 2: "soon" is not a duration like 10s or 250ms`}},
		{
			name: "bad values from flags and the environment are all reported",
			args: append([]string{"-max-body-bytes", "big", "-policy-reload-interval", "often"}, required...),
			env:  env{"TOPICGATE_PRODUCE_TIMEOUT": "later"},
			want: []string{
				`TOPICGATE_PRODUCE_TIMEOUT: "later" is not a duration like 10s`,
				`-max-body-bytes: "big" is not an integer`,
				`-policy-reload-interval: "often" is not a duration like 10s`,
			},
		},
		{
			name: "nothing required given",
			want: []string{"policy.dir: required", "kafka.clusters: configure at least one cluster"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"-config", writeFile(t, "c.yaml", tt.file)}, args...)
			}
			if tt.env == nil {
				tt.env = env{}
			}
			c, err := Load(args, tt.env.get, io.Discard)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", c)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	tests := []struct{ flag, want string }{
		{"config", "TOPICGATE_CONFIG"},
		{"policy-reload-interval", "TOPICGATE_POLICY_RELOAD_INTERVAL"},
		{"api-keys", "TOPICGATE_API_KEYS"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			if got := EnvName(tt.flag); got != tt.want {
				t.Errorf("EnvName(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}

// The example configuration loads, validates once its policy directory and
// keys file exist (paths are relative to the repository), and states the
// defaults.
func TestLoad_ExampleStatesTheDefaults(t *testing.T) {
	t.Chdir("../..")
	got, err := Load([]string{"-config", "examples/topicgate.yaml"}, env{}.get, io.Discard)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	if diff := cmp.Diff(want.Limits, got.Limits); diff != "" {
		t.Errorf("limits differ from the defaults (-default +example):\n%s", diff)
	}
	if diff := cmp.Diff(want.Reads, got.Reads); diff != "" {
		t.Errorf("reads differ from the defaults (-default +example):\n%s", diff)
	}
	if diff := cmp.Diff(want.Consumers, got.Consumers); diff != "" {
		t.Errorf("consumers differ from the defaults (-default +example):\n%s", diff)
	}
	if got.Mode != want.Mode {
		t.Errorf("mode %q, want the default %q", got.Mode, want.Mode)
	}
	if diff := cmp.Diff(want.DecisionLog, got.DecisionLog); diff != "" {
		t.Errorf("decision_log differs from the defaults (-default +example):\n%s", diff)
	}
	if diff := cmp.Diff(want.Policy.Shadow, got.Policy.Shadow, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("policy.shadow differs from the defaults (-default +example):\n%s", diff)
	}
	if diff := cmp.Diff(want.Identity.JWT, got.Identity.JWT); diff != "" {
		t.Errorf("identity.jwt differs from the defaults (-default +example):\n%s", diff)
	}
}

// A guard needs neither a cluster nor -bootstrap-servers.
func TestLoad_GuardModeNeedsNoKafka(t *testing.T) {
	dir := t.TempDir()
	c, err := Load([]string{"-policy-dir", dir}, env{"TOPICGATE_MODE": "guard"}.get, io.Discard)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Mode != ModeGuard || len(c.Kafka.Clusters) != 0 {
		t.Errorf("mode %q with %d clusters, want guard with none", c.Mode, len(c.Kafka.Clusters))
	}
	_, err = Load([]string{"-mode", "guard", "-policy-dir", dir, "-bootstrap-servers", "k:9092"}, env{}.get, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "kafka.clusters: mode guard calls no Kafka") {
		t.Errorf("guard with a cluster: %v, want the kafka.clusters error", err)
	}
}

// JWTs are on by default, as the shipped envoy.yaml verifies them; the flag
// and the variable turn them off.
func TestLoad_JWTSwitch(t *testing.T) {
	required := []string{"-policy-dir", t.TempDir(), "-bootstrap-servers", "k:9092"}
	tests := []struct {
		name string
		args []string
		env  env
		want bool
	}{
		{name: "default", args: required, env: env{}, want: true},
		{name: "flag", args: append([]string{"-jwt=false"}, required...), env: env{}, want: false},
		{name: "variable", args: required, env: env{"TOPICGATE_JWT": "false"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, tt.env.get, io.Discard)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Identity.JWT.Enabled != tt.want {
				t.Errorf("identity.jwt.enabled = %v, want %v", c.Identity.JWT.Enabled, tt.want)
			}
		})
	}
}
