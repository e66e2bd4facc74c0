package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func validConfig(t *testing.T) *Config {
	t.Helper()
	c := Default()
	c.Policy.Dir = t.TempDir()
	c.Kafka.Clusters = []Cluster{{Name: "main", BootstrapServers: "k:9092"}}
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, c *Config)
		want   []string // parts of the error; none: valid
	}{
		{name: "the defaults plus a policy dir and a cluster", mutate: func(*testing.T, *Config) {}},
		{name: "unix socket instead of TCP", mutate: func(_ *testing.T, c *Config) { c.Listen.GRPC, c.Listen.Unix = "", "/tmp/tg.sock" }},
		{name: "admin disabled", mutate: func(_ *testing.T, c *Config) { c.Listen.Admin = "" }},
		{name: "bootstrap servers in properties", mutate: func(_ *testing.T, c *Config) {
			c.Kafka.Clusters = []Cluster{{Name: "main", Properties: map[string]string{"bootstrap.servers": "k:9092"}}}
		}},
		{name: "reload and metadata cache disabled", mutate: func(_ *testing.T, c *Config) { c.Policy.ReloadInterval, c.Kafka.MetadataTTL = 0, 0 }},
		{name: "largest body", mutate: func(_ *testing.T, c *Config) { c.Limits.MaxBodyBytes = 64 << 20 }},

		{name: "nowhere to listen", mutate: func(_ *testing.T, c *Config) { c.Listen.GRPC = "" },
			want: []string{"listen: set listen.grpc or listen.unix"}},
		{name: "grpc not host:port", mutate: func(_ *testing.T, c *Config) { c.Listen.GRPC = "9001" },
			want: []string{`listen.grpc: "9001" is not host:port`}},
		{name: "admin not host:port", mutate: func(_ *testing.T, c *Config) { c.Listen.Admin = "localhost" },
			want: []string{`listen.admin: "localhost" is not host:port`}},
		{name: "log level", mutate: func(_ *testing.T, c *Config) { c.Log.Level = "trace" },
			want: []string{`log.level: "trace" is not one of debug, info, warn, error`}},
		{name: "log format", mutate: func(_ *testing.T, c *Config) { c.Log.Format = "xml" },
			want: []string{`log.format: "xml" is not json or console`}},
		{name: "no policy dir", mutate: func(_ *testing.T, c *Config) { c.Policy.Dir = "" },
			want: []string{"policy.dir: required"}},
		{name: "policy dir is a file", mutate: func(t *testing.T, c *Config) { c.Policy.Dir = writeFile(t, "f.rego", "") },
			want: []string{"is not a readable directory"}},
		{name: "policy dir missing", mutate: func(t *testing.T, c *Config) { c.Policy.Dir = filepath.Join(t.TempDir(), "nope") },
			want: []string{"is not a readable directory"}},
		{name: "schema dir absolute", mutate: func(t *testing.T, c *Config) { c.Policy.SchemaDir = t.TempDir() }},
		{name: "no schema dir", mutate: func(_ *testing.T, c *Config) { c.Policy.SchemaDir = "" },
			want: []string{"policy.schema_dir: required"}},
		{name: "schema dir is a file", mutate: func(t *testing.T, c *Config) { c.Policy.SchemaDir = writeFile(t, "schemas", "") },
			want: []string{"is not a directory"}},
		{name: "no quota buckets", mutate: func(_ *testing.T, c *Config) { c.Limits.QuotaBuckets = 0 },
			want: []string{"limits.quota_buckets: must be from 1 to 10000000, got 0"}},
		{name: "no query", mutate: func(_ *testing.T, c *Config) { c.Policy.Query = "" },
			want: []string{"policy.query: required"}},
		{name: "zero policy timeout", mutate: func(_ *testing.T, c *Config) { c.Policy.Timeout = 0 },
			want: []string{"policy.timeout: must be a positive duration, got 0s"}},
		{name: "negative reload interval", mutate: func(_ *testing.T, c *Config) { c.Policy.ReloadInterval = Duration(-time.Second) },
			want: []string{"policy.reload_interval: must not be negative"}},
		{name: "missing API keys file", mutate: func(t *testing.T, c *Config) { c.Identity.APIKeysFile = filepath.Join(t.TempDir(), "keys.yaml") },
			want: []string{"identity.api_keys_file: stat "}},
		{name: "JWT settings unchecked while JWTs are off", mutate: func(_ *testing.T, c *Config) {
			c.Identity.JWT = JWT{Enabled: false}
		}},
		{name: "JWT settings missing", mutate: func(_ *testing.T, c *Config) {
			c.Identity.JWT = JWT{Enabled: true}
		}, want: []string{
			"identity.jwt.payload_key: required when identity.jwt.enabled",
			"identity.jwt.id_claim: required when identity.jwt.enabled",
			"identity.jwt.max_claims_bytes: must be from 256 to 1048576, got 0",
		}},
		{name: "JWT claims bound too large", mutate: func(_ *testing.T, c *Config) { c.Identity.JWT.MaxClaimsBytes = 2 << 20 },
			want: []string{"identity.jwt.max_claims_bytes: must be from 256 to 1048576, got 2097152"}},
		{name: "answer timeout not above the produce timeout", mutate: func(_ *testing.T, c *Config) { c.Kafka.ProduceTimeout = Duration(13 * time.Second) },
			want: []string{"limits.answer_timeout: 14s must exceed kafka.produce_timeout + 1s (14s)"}},
		{name: "answer timeout not above the long poll", mutate: func(_ *testing.T, c *Config) { c.Reads.MaxWait = Duration(13 * time.Second) },
			want: []string{"limits.answer_timeout: 14s must exceed reads.max_wait + 2s (15s)"}},
		{name: "zero body limit", mutate: func(_ *testing.T, c *Config) { c.Limits.MaxBodyBytes = 0 },
			want: []string{"limits.max_body_bytes: must be from 1 to 67108864, got 0"}},
		{name: "body limit over 64 MiB", mutate: func(_ *testing.T, c *Config) { c.Limits.MaxBodyBytes = 64<<20 + 1 },
			want: []string{"limits.max_body_bytes: must be from 1 to 67108864, got 67108865"}},
		{name: "zero records", mutate: func(_ *testing.T, c *Config) { c.Limits.MaxRecords = 0 },
			want: []string{"limits.max_records: must be positive, got 0"}},
		{name: "timeouts", mutate: func(_ *testing.T, c *Config) {
			c.Kafka.ProduceTimeout, c.Kafka.RequestTimeout, c.ShutdownTimeout = 0, Duration(-time.Second), 0
		}, want: []string{"kafka.produce_timeout: must be a positive duration", "kafka.request_timeout: must be a positive duration, got -1s", "shutdown_timeout: must be a positive duration"}},
		{name: "negative metadata TTL", mutate: func(_ *testing.T, c *Config) { c.Kafka.MetadataTTL = Duration(-time.Second) },
			want: []string{"kafka.metadata_ttl: must not be negative"}},
		{name: "no cluster", mutate: func(_ *testing.T, c *Config) { c.Kafka.Clusters = nil },
			want: []string{"kafka.clusters: configure at least one cluster"}},
		{name: "a guard without clusters", mutate: func(_ *testing.T, c *Config) { c.Mode, c.Kafka.Clusters = ModeGuard, nil }},
		{name: "a guard with a cluster", mutate: func(_ *testing.T, c *Config) { c.Mode = ModeGuard },
			want: []string{"kafka.clusters: mode guard calls no Kafka (the backend does); remove the clusters"}},
		{name: "unknown mode", mutate: func(_ *testing.T, c *Config) { c.Mode = "proxy" },
			want: []string{`mode: "proxy" is not gateway or guard`}},
		{name: "cluster problems", mutate: func(_ *testing.T, c *Config) {
			c.Kafka.Clusters = []Cluster{{Name: "a", BootstrapServers: "k:1"}, {Name: "a", BootstrapServers: "k:2"}, {BootstrapServers: "k:3"}, {Name: "b"}}
		}, want: []string{`kafka.clusters[1].name: "a" is used twice`, "kafka.clusters[2].name: required", "kafka.clusters[3] (b): bootstrap_servers is required"}},
		{name: "several problems at once", mutate: func(_ *testing.T, c *Config) {
			c.Log.Level, c.Policy.Dir, c.Limits.MaxRecords, c.Kafka.Clusters = "loud", "", -1, nil
		}, want: []string{`log.level: "loud"`, "policy.dir: required", "limits.max_records: must be positive, got -1", "kafka.clusters: configure at least one cluster"}},
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
			// One line per problem: nothing more is reported than expected.
			if got, want := strings.Count(err.Error(), "\n")+1, len(tt.want); got != want {
				t.Errorf("error has %d lines, want %d:\n%s", got, want, err)
			}
		})
	}
}

func TestDuration_YAML(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    Duration
		wantErr string
	}{
		{name: "seconds", yaml: "d: 10s\n", want: Duration(10 * time.Second)},
		{name: "milliseconds", yaml: "d: 250ms\n", want: Duration(250 * time.Millisecond)},
		{name: "compound", yaml: "d: 1h2m3s\n", want: Duration(time.Hour + 2*time.Minute + 3*time.Second)},
		{name: "zero", yaml: "d: 0s\n", want: 0},
		{name: "a bare number is not a duration", yaml: "d: 10\n", wantErr: `line 1: "10" is not a duration`},
		{name: "words", yaml: "\nd: soon\n", wantErr: `line 2: "soon" is not a duration`},
		{name: "a list", yaml: "d: [1s]\n", wantErr: "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				D Duration `yaml:"d"`
			}
			err := yaml.Unmarshal([]byte(tt.yaml), &v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Unmarshal(%q) = %v, want an error containing %q", tt.yaml, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.D != tt.want {
				t.Errorf("got %v, want %v", v.D, tt.want)
			}
			out, err := yaml.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if want := "d: " + tt.want.String() + "\n"; string(out) != want {
				t.Errorf("Marshal = %q, want %q", out, want)
			}
		})
	}
}
