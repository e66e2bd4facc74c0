package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/e2e/stack"
	"github.com/topicgate/topicgate/pkg/cli"
)

// System is one thing the benchmark measures. Adding a system (the Strimzi
// bridge, once it can be installed) is adding one of these.
type System struct {
	Name        string
	Description string
	Unavailable string // why it cannot run on this machine; "" when it can
	Supports    func(Workload) bool
	// NeedsTopic: each run gets a fresh topic; VerifyKafka: what it
	// acknowledged is then read back from Kafka and checked.
	NeedsTopic, VerifyKafka bool
	Procs                   func() []Proc
	// Start prepares a run (topic, workload, concurrency) and returns its
	// request and what to do after it.
	Start func(ctx context.Context, topic string, w Workload, concurrency int) (Op, func(), error)
	Stop  func()
}

// Credentials of the bench's API key (e2e/bench/testdata/api-keys.yaml).
const (
	User     = "bench"
	Password = "bench-secret"
)

func self() Proc { return Proc{Name: "bench", Pid: os.Getpid()} }

func httpWorkload(w Workload) bool { return w.API != "" }

// Topicgate is HTTP through the stack's Envoy (the shipped envoy.yaml) to
// topicgate to Kafka.
func Topicgate(st *stack.Stack, timeout time.Duration) System {
	return System{
		Name:        "topicgate",
		Description: "HTTP -> Envoy (shipped envoy.yaml, ext_proc) -> topicgate -> Kafka",
		Supports:    httpWorkload,
		NeedsTopic:  true, VerifyKafka: true,
		Procs: func() []Proc {
			pids := st.Pids()
			return []Proc{{"envoy", pids["envoy"]}, {"topicgate", pids["topicgate"]}, {"kafka", pids["kafka"]}, self()}
		},
		Start: func(ctx context.Context, topic string, w Workload, c int) (Op, func(), error) {
			client := NewHTTPClient(c, timeout)
			// A topic Kafka just created can be unknown to topicgate's
			// metadata for a moment: wait until it describes it.
			url := st.URL + "/kafka/v3/clusters/" + st.ClusterID + "/topics/" + topic
			if err := WaitHTTP(ctx, client, url, User, Password, 30*time.Second); err != nil {
				return nil, nil, err
			}
			t := Target{Client: client, URL: st.URL, ClusterID: st.ClusterID, Topic: topic, User: User, Password: Password}
			return HTTPOp(t, w), client.CloseIdleConnections, nil
		},
	}
}

// Direct is a Go program producing the same records with confluent-kafka-go
// and topicgate's producer settings, no HTTP: the Kafka-path limit. It runs
// inside the bench process (its CPU and memory are the "bench" process's).
func Direct(bootstrap string, produceTimeout time.Duration) (System, error) {
	p, err := ck.NewProducer(ProducerConfig(bootstrap, produceTimeout))
	if err != nil {
		return System{}, err
	}
	go func() {
		for range p.Events() { // errors and stray reports
		}
	}()
	return System{
		Name:        "direct",
		Description: "confluent-kafka-go producer with topicgate's settings, in the bench process, no HTTP",
		Supports:    func(w Workload) bool { return w.API == "" && w.Records > 0 },
		NeedsTopic:  true, VerifyKafka: true,
		Procs: func() []Proc { return []Proc{self()} },
		Start: func(ctx context.Context, topic string, w Workload, c int) (Op, func(), error) {
			return DirectOp(p, topic, w), func() {}, nil
		},
		Stop: func() { p.Flush(5000); p.Close() },
	}, nil
}

// Bridge is the Strimzi HTTP bridge: not runnable here (see reason).
func Bridge(reason string) System {
	return System{Name: "strimzi-bridge", Description: "Strimzi Kafka Bridge (io.strimzi:kafka-bridge)",
		Unavailable: reason, Supports: func(w Workload) bool { return w.API == "v2" }}
}

// Answers are topicgate's answers to one request of each workload, which
// plain Envoy gives back as its direct responses.
type Answers struct {
	V3One, V3Many, V2One, V2Many, Metadata []byte
}

// CaptureAnswers sends one request of each HTTP workload to topicgate, on
// topic, and keeps the answers.
func CaptureAnswers(ctx context.Context, st *stack.Stack, topic string) (Answers, error) {
	client := NewHTTPClient(1, 30*time.Second)
	defer client.CloseIdleConnections()
	base := st.URL + "/kafka/v3/clusters/" + st.ClusterID + "/topics/" + topic
	if err := WaitHTTP(ctx, client, base, User, Password, 30*time.Second); err != nil {
		return Answers{}, err
	}
	do := func(method, url, ct string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(User, Password)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, truncate(b, 300))
		}
		return b, err
	}
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = RecordID(0, 0, n, i)
		}
		return out
	}
	var a Answers
	var err error
	v3, v2 := "application/json", "application/vnd.kafka.json.v2+json"
	for _, c := range []struct {
		dst         *[]byte
		method, url string
		ct          string
		body        []byte
	}{
		{&a.V3One, "POST", base + "/records", v3, ProduceBody("v3", ids(1))},
		{&a.V3Many, "POST", base + "/records", v3, ProduceBody("v3", ids(100))},
		{&a.V2One, "POST", st.URL + "/topics/" + topic, v2, ProduceBody("v2", ids(1))},
		{&a.V2Many, "POST", st.URL + "/topics/" + topic, v2, ProduceBody("v2", ids(100))},
		{&a.Metadata, "GET", base, "", nil},
	} {
		if *c.dst, err = do(c.method, c.url, c.ct, c.body); err != nil {
			return a, err
		}
	}
	return a, nil
}

// RenderPlainEnvoy renders the plain Envoy template with ports and answers.
func RenderPlainEnvoy(tmpl string, listen, admin, maxBody int, a Answers) (string, error) {
	q := func(b []byte) string {
		s, _ := json.Marshal(string(b)) // a JSON string is a YAML double-quoted scalar
		return string(s)
	}
	return cli.RenderTemplate(tmpl, map[string]string{
		"LISTEN_PORT":    strconv.Itoa(listen),
		"ADMIN_PORT":     strconv.Itoa(admin),
		"MAX_BODY_BYTES": strconv.Itoa(maxBody),
		"V3_ONE_BODY":    q(a.V3One),
		"V3_MANY_BODY":   q(a.V3Many),
		"V2_ONE_BODY":    q(a.V2One),
		"V2_MANY_BODY":   q(a.V2Many),
		"METADATA_BODY":  q(a.Metadata),
	}, func(string) string { return "" })
}

// PlainEnvoy starts the same Envoy binary with the plain config (no
// ext_proc, direct responses): the HTTP-path limit.
func PlainEnvoy(ctx context.Context, envoyBin, root, dir, clusterID string, a Answers, timeout time.Duration) (System, error) {
	tmpl, err := os.ReadFile(filepath.Join(root, "e2e", "bench", "testdata", "envoy-plain.yaml"))
	if err != nil {
		return System{}, err
	}
	listen, err := stack.FreePort()
	if err != nil {
		return System{}, err
	}
	admin, err := stack.FreePort()
	if err != nil {
		return System{}, err
	}
	cfg, err := RenderPlainEnvoy(string(tmpl), listen, admin, 1<<20, a)
	if err != nil {
		return System{}, err
	}
	cfgPath := filepath.Join(dir, "envoy-plain.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return System{}, err
	}
	logf, err := os.Create(filepath.Join(dir, "envoy-plain.log"))
	if err != nil {
		return System{}, err
	}
	cmd := exec.Command(envoyBin, "-c", cfgPath, "--disable-hot-restart", "-l", "warn", "--concurrency", "2")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return System{}, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", listen)
	if err := WaitHTTP(ctx, NewHTTPClient(1, time.Second), fmt.Sprintf("http://127.0.0.1:%d/ready", admin), "", "", 30*time.Second); err != nil {
		stop()
		return System{}, fmt.Errorf("plain Envoy (log %s): %w", logf.Name(), err)
	}
	pid := cmd.Process.Pid
	return System{
		Name:        "plain-envoy",
		Description: "the same Envoy, no ext_proc: buffers the body, answers with a direct_response of topicgate's answer",
		Supports:    httpWorkload,
		Procs:       func() []Proc { return []Proc{{"envoy", pid}, self()} },
		Start: func(ctx context.Context, topic string, w Workload, c int) (Op, func(), error) {
			client := NewHTTPClient(c, timeout)
			t := Target{Client: client, URL: url, ClusterID: clusterID, Topic: topic, User: User, Password: Password}
			return HTTPOp(t, w), client.CloseIdleConnections, nil
		},
		Stop: stop,
	}, nil
}
