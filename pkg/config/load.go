package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// setting is one value that can be set by a flag or an environment variable.
type setting struct {
	name  string // flag name; the variable is TOPICGATE_ + upper(name with - as _)
	usage string
	set   func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func integer(p func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		*p(c) = n
		return nil
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p(c) = b
		return nil
	}
}

// list reads a comma-separated list; blanks around items are dropped.
func list(p func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		*p(c) = out
		return nil
	}
}

func duration(p func(*Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 10s", v)
		}
		*p(c) = Duration(d)
		return nil
	}
}

var settings = []setting{
	{"mode", "gateway (serve Kafka through ext_proc, and ext_authz) or guard (ext_authz only, for a Kafka REST backend; no Kafka)", str(func(c *Config) *string { return &c.Mode })},
	{"grpc-addr", "host:port for the gRPC listener: ext_proc, ext_authz, health (empty disables)", str(func(c *Config) *string { return &c.Listen.GRPC })},
	{"unix-socket", "unix socket path for the gRPC listener: ext_proc, ext_authz, health", str(func(c *Config) *string { return &c.Listen.Unix })},
	{"admin-addr", "host:port for /healthz, /readyz and /metrics (empty disables)", str(func(c *Config) *string { return &c.Listen.Admin })},
	{"profiling", "serve Go's profiles under /debug/pprof/ on the admin listener (true or false)", boolean(func(c *Config) *bool { return &c.Listen.Profiling })},
	{"log-level", "debug, info, warn or error", str(func(c *Config) *string { return &c.Log.Level })},
	{"log-format", "json or console", str(func(c *Config) *string { return &c.Log.Format })},
	{"policy-dir", "directory of Rego policies", str(func(c *Config) *string { return &c.Policy.Dir })},
	{"policy-reload-interval", "how often to check the policy directory for changes (0 disables)", duration(func(c *Config) *Duration { return &c.Policy.ReloadInterval })},
	{"api-keys", "API keys file (ids and hashed secrets)", str(func(c *Config) *string { return &c.Identity.APIKeysFile })},
	{"jwt", "trust the JWT claims Envoy's jwt_authn verified (true or false)", boolean(func(c *Config) *bool { return &c.Identity.JWT.Enabled })},
	{"bootstrap-servers", "Kafka bootstrap servers of the first cluster (creates a cluster named default if none is configured)", setBootstrap},
	{"max-body-bytes", "largest produce body accepted; keep equal to Envoy's buffer limit", integer(func(c *Config) *int { return &c.Limits.MaxBodyBytes })},
	{"produce-timeout", "how long a produce waits for Kafka's acknowledgement", duration(func(c *Config) *Duration { return &c.Kafka.ProduceTimeout })},
	{"answer-timeout", "longest topicgate works on each phase of a request; keep below Envoy's message_timeout", duration(func(c *Config) *Duration { return &c.Limits.AnswerTimeout })},
	{"read-max-wait", "longest a read or consumer poll may wait for records; keep below Envoy's message_timeout", duration(func(c *Config) *Duration { return &c.Reads.MaxWait })},
	{"consumer-idle-timeout", "how long an unused consumer instance lives", duration(func(c *Config) *Duration { return &c.Consumers.IdleTimeout })},
	{"policy-shadow-dir", "directory of a candidate (shadow) policy evaluated beside the active one; differences are logged, answers unchanged", str(func(c *Config) *string { return &c.Policy.Shadow.Dir })},
	{"policy-shadow-topics", "comma-separated topics or patterns (orders,sandbox.*) the shadow policy covers (empty: every decision)", list(func(c *Config) *[]string { return &c.Policy.Shadow.Topics })},
	{"decision-log-input", "how much of the input each decision line carries: none, masked or full", str(func(c *Config) *string { return &c.DecisionLog.Input })},
	{"decision-log-topic", "Kafka topic to also produce every decision line to (empty disables)", str(func(c *Config) *string { return &c.DecisionLog.Kafka.Topic })},
	{"decision-log-cluster", "cluster of the decision log topic (default: the first cluster)", str(func(c *Config) *string { return &c.DecisionLog.Kafka.Cluster })},
}

func setBootstrap(c *Config, v string) error {
	if len(c.Kafka.Clusters) == 0 {
		c.Kafka.Clusters = append(c.Kafka.Clusters, Cluster{Name: "default"})
	}
	c.Kafka.Clusters[0].BootstrapServers = v
	return nil
}

// EnvName is the environment variable for a flag name.
func EnvName(flagName string) string {
	return "TOPICGATE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load reads the configuration from args (flags, without the program name)
// and the environment. It returns flag.ErrHelp when -h was given.
func Load(args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("topicgate serve", flag.ContinueOnError)
	fs.SetOutput(out)
	configPath := fs.String("config", "", "YAML configuration file (env "+EnvName("config")+")")
	values := map[string]*string{}
	for _, s := range settings {
		values[s.name] = fs.String(s.name, "", s.usage+" (env "+EnvName(s.name)+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *configPath == "" {
		*configPath = getenv(EnvName("config"))
	}

	c := Default()
	if *configPath != "" {
		raw, err := os.ReadFile(*configPath)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %w", *configPath, err)
		}
	}

	var problems []error
	for _, s := range settings { // environment first, flags override it
		if v := getenv(EnvName(s.name)); v != "" {
			if err := s.set(c, v); err != nil {
				problems = append(problems, fmt.Errorf("%s: %w", EnvName(s.name), err))
			}
		}
	}
	fs.Visit(func(f *flag.Flag) {
		for _, s := range settings {
			if s.name == f.Name {
				if err := s.set(c, *values[s.name]); err != nil {
					problems = append(problems, fmt.Errorf("-%s: %w", s.name, err))
				}
			}
		}
	})
	problems = append(problems, c.Validate())
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}
