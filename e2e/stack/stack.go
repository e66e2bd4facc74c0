// Package stack runs topicgate's local stack of real components: an Apache
// Kafka broker (KRaft), topicgate, and Envoy with the shipped envoy.yaml. The
// e2e tests and `make run` both use it, so what users run is what is tested.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/topicgate/topicgate/pkg/cli"
)

// Options configure a stack. Zero ports are picked free.
type Options struct {
	Root         string // repository root
	TopicgateBin string // built topicgate binary
	Dir          string // working directory for data, configs and logs
	Paths        Paths

	// Bootstrap, when set, is an already running Kafka: no broker is started.
	Bootstrap                  string
	KafkaPort, ControllerPort  int
	GRPCPort, AdminPort        int
	ListenPort, EnvoyAdminPort int
	TLSListenPort              int // Envoy's mTLS listener
	PolicyDir, APIKeysFile     string
	MaxBodyBytes               int
	Topics                     []TopicSpec
	TopicgateArgs              []string // extra flags
	ProduceTimeout             time.Duration
	ReadyTimeout               time.Duration
}

// Stack is a running stack.
type Stack struct {
	Opts      Options
	Bootstrap string // Kafka bootstrap servers
	URL       string // Envoy's listener: where clients call
	TLSURL    string // Envoy's mTLS listener (https, client certificate required)
	AdminURL  string // topicgate's admin listener
	EnvoyURL  string // Envoy's admin interface
	ClusterID string
	// Identities are the stack's certificates and JWT issuer.
	Identities *Identities

	kafka, topicgate, envoy *proc
}

func (o *Options) defaults() error {
	ports := []*int{&o.KafkaPort, &o.ControllerPort, &o.GRPCPort, &o.AdminPort, &o.ListenPort, &o.EnvoyAdminPort, &o.TLSListenPort}
	for _, p := range ports {
		if *p != 0 {
			if err := portFree(*p); err != nil {
				return err
			}
		}
		if *p == 0 {
			free, err := FreePort()
			if err != nil {
				return err
			}
			*p = free
		}
	}
	if o.PolicyDir == "" {
		o.PolicyDir = filepath.Join(o.Root, "policies", "demo")
	}
	if o.APIKeysFile == "" {
		o.APIKeysFile = filepath.Join(o.Root, "examples", "demo", "api-keys.yaml")
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.ProduceTimeout == 0 {
		o.ProduceTimeout = 10 * time.Second
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	return os.MkdirAll(o.Dir, 0o755)
}

// Start starts Kafka, creates the topics, then starts topicgate and Envoy,
// each only once the previous one is ready. On error everything started is
// stopped again.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	s := &Stack{
		Opts:      o,
		Bootstrap: fmt.Sprintf("127.0.0.1:%d", o.KafkaPort),
		URL:       fmt.Sprintf("http://127.0.0.1:%d", o.ListenPort),
		TLSURL:    fmt.Sprintf("https://127.0.0.1:%d", o.TLSListenPort),
		AdminURL:  fmt.Sprintf("http://127.0.0.1:%d", o.AdminPort),
		EnvoyURL:  fmt.Sprintf("http://127.0.0.1:%d", o.EnvoyAdminPort),
	}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if o.Bootstrap != "" {
		s.Bootstrap = o.Bootstrap
	} else if s.kafka, err = startKafka(ctx, o.Paths.KafkaHome, o.Dir, o.KafkaPort, o.ControllerPort); err != nil {
		return nil, err
	}
	if err = CreateTopics(ctx, s.Bootstrap, o.Topics...); err != nil {
		return nil, err
	}
	if s.ClusterID, err = ClusterID(ctx, s.Bootstrap); err != nil {
		return nil, err
	}

	args := append([]string{
		"serve",
		"-grpc-addr", fmt.Sprintf("127.0.0.1:%d", o.GRPCPort),
		"-admin-addr", fmt.Sprintf("127.0.0.1:%d", o.AdminPort),
		"-bootstrap-servers", s.Bootstrap,
		"-policy-dir", o.PolicyDir,
		"-api-keys", o.APIKeysFile,
		"-max-body-bytes", strconv.Itoa(o.MaxBodyBytes),
		"-produce-timeout", o.ProduceTimeout.String(),
	}, o.TopicgateArgs...)
	if s.topicgate, err = startProc("topicgate", o.Dir, nil, o.TopicgateBin, args...); err != nil {
		return nil, err
	}
	if err = s.topicgate.waitFor(ctx, o.ReadyTimeout, "/readyz", httpOK(s.AdminURL+"/readyz")); err != nil {
		return nil, err
	}

	if s.Identities, err = newIdentities(o.Dir); err != nil {
		return nil, fmt.Errorf("generating certificates and the JWT issuer: %w", err)
	}
	envoyCfg, err := s.renderEnvoy()
	if err != nil {
		return nil, err
	}
	if s.envoy, err = startProc("envoy", o.Dir, nil, o.Paths.Envoy,
		"-c", envoyCfg, "--disable-hot-restart", "-l", "warn", "--concurrency", "2"); err != nil {
		return nil, err
	}
	if err = s.envoy.waitFor(ctx, o.ReadyTimeout, "Envoy /ready", httpOK(s.EnvoyURL+"/ready")); err != nil {
		return nil, err
	}
	return s, nil
}

// renderEnvoy renders the shipped envoy/envoy.yaml with this stack's ports
// and credentials.
func (s *Stack) renderEnvoy() (string, error) {
	o, f := s.Opts, s.Identities.Files
	tmpl, err := os.ReadFile(filepath.Join(o.Root, "envoy", "envoy.yaml"))
	if err != nil {
		return "", err
	}
	out, err := cli.RenderTemplate(string(tmpl), map[string]string{
		"LISTEN_ADDRESS":    "127.0.0.1",
		"LISTEN_PORT":       strconv.Itoa(o.ListenPort),
		"ADMIN_PORT":        strconv.Itoa(o.EnvoyAdminPort),
		"TOPICGATE_ADDRESS": "127.0.0.1",
		"TOPICGATE_PORT":    strconv.Itoa(o.GRPCPort),
		"MAX_BODY_BYTES":    strconv.Itoa(o.MaxBodyBytes),
		// Envoy must outwait topicgate's own produce timeout.
		"MESSAGE_TIMEOUT":    (o.ProduceTimeout + 5*time.Second).String(),
		"TLS_LISTEN_PORT":    strconv.Itoa(o.TLSListenPort),
		"TLS_CERT_FILE":      f.ServerCert,
		"TLS_KEY_FILE":       f.ServerKey,
		"TLS_CLIENT_CA_FILE": f.CA,
		"JWT_ISSUER":         JWTIssuer,
		"JWT_AUDIENCE":       JWTAudience,
		"JWKS_FILE":          f.JWKS,
	}, func(string) string { return "" })
	if err != nil {
		return "", err
	}
	path := filepath.Join(o.Dir, "envoy.yaml")
	return path, os.WriteFile(path, []byte(out), 0o644)
}

// Stop stops Envoy, topicgate and Kafka, in that order, each gracefully.
func (s *Stack) Stop() {
	for _, p := range []*proc{s.envoy, s.topicgate, s.kafka} {
		if p != nil {
			p.stop(20 * time.Second)
		}
	}
}

// TopicgateExited reports whether topicgate has exited, and its exit error.
func (s *Stack) TopicgateExited() (bool, error) {
	if s.topicgate == nil || !s.topicgate.exited() {
		return false, nil
	}
	return true, s.topicgate.err
}

// StopTopicgate stops topicgate alone (SIGTERM) and waits for it.
func (s *Stack) StopTopicgate(grace time.Duration) error {
	s.topicgate.stop(grace)
	var ee interface{ ExitCode() int }
	if errors.As(s.topicgate.err, &ee) && ee.ExitCode() != 0 {
		return s.topicgate.err
	}
	return nil
}

// Pids are the process ids of the running components by name ("kafka",
// "topicgate", "envoy"); a component not started here (an external Kafka)
// is absent. The benchmark reads their CPU time and memory from /proc.
func (s *Stack) Pids() map[string]int {
	out := map[string]int{}
	for name, p := range map[string]*proc{"kafka": s.kafka, "topicgate": s.topicgate, "envoy": s.envoy} {
		if p != nil && !p.exited() {
			out[name] = p.cmd.Process.Pid
		}
	}
	return out
}

// LogPath is the log file of a component: kafka, topicgate or envoy.
func (s *Stack) LogPath(name string) string { return filepath.Join(s.Opts.Dir, name+".log") }

// DumpLogs writes the last part of each component's log to w.
func (s *Stack) DumpLogs(w io.Writer) {
	for _, name := range []string{"kafka", "topicgate", "envoy"} {
		b, err := os.ReadFile(s.LogPath(name))
		if err != nil {
			continue
		}
		if len(b) > 20000 {
			b = b[len(b)-20000:]
		}
		fmt.Fprintf(w, "===== %s log (%s) =====\n%s\n", name, s.LogPath(name), b)
	}
}
