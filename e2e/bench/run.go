// Package bench is topicgate's benchmark (`make bench`): topicgate through
// Envoy, a direct Kafka producer with topicgate's settings and plain Envoy,
// side by side against one Kafka broker, with every acknowledged record
// read back from Kafka. docs/performance.md describes it.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// BridgeUnavailable is why the Strimzi bridge is not measured yet.
const BridgeUnavailable = "io.strimzi:kafka-bridge cannot be downloaded from the Maven Central this machine reaches (its pom and jar answer 404)"

// Config is a benchmark run.
type Config struct {
	Root           string
	TopicgateBin   string
	Concurrencies  []int
	Duration       time.Duration // of each (system, workload, concurrency)
	MaxRequests    int64         // bound on the requests of each
	Partitions     int
	RequestTimeout time.Duration
	ProduceTimeout time.Duration
	Quick          bool
	// Soak, when above 0, is how long the soak runs after the matrix, at
	// SoakConcurrency connections.
	Soak            time.Duration
	SoakConcurrency int
	Log             io.Writer // progress
}

// Run starts Kafka, topicgate with Envoy, and plain Envoy, measures every
// (workload, concurrency, system), and stops everything again. The report
// is returned even when a run failed (Failures says what).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	paths, err := stack.Install(cfg.Root)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.Root, ".cache", "bench", "run")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	testdata := filepath.Join(cfg.Root, "e2e", "bench", "testdata")
	fmt.Fprintln(cfg.Log, "bench: starting Kafka, topicgate and Envoy ...")
	st, err := stack.Start(ctx, stack.Options{
		Root: cfg.Root, TopicgateBin: cfg.TopicgateBin, Dir: dir, Paths: paths,
		PolicyDir: filepath.Join(testdata, "policy"), APIKeysFile: filepath.Join(testdata, "api-keys.yaml"),
		Topics:         []stack.TopicSpec{{Name: "bench-capture", Partitions: cfg.Partitions}},
		ProduceTimeout: cfg.ProduceTimeout, TopicgateArgs: []string{"-log-level", "warn"},
	})
	if err != nil {
		return nil, err
	}
	defer st.Stop()

	answers, err := CaptureAnswers(ctx, st, "bench-capture")
	if err != nil {
		st.DumpLogs(cfg.Log)
		return nil, fmt.Errorf("asking topicgate for the answers plain Envoy gives: %w", err)
	}
	plain, err := PlainEnvoy(ctx, paths.Envoy, cfg.Root, dir, st.ClusterID, answers, cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	defer plain.Stop()
	direct, err := Direct(st.Bootstrap, cfg.ProduceTimeout)
	if err != nil {
		return nil, err
	}
	defer direct.Stop()
	systems := []System{Topicgate(st, cfg.RequestTimeout), Bridge(BridgeUnavailable), direct, plain}

	rep := &Report{
		Started: time.Now().UTC(),
		Machine: machine(paths),
		Settings: Settings{
			Concurrencies: cfg.Concurrencies, DurationS: cfg.Duration.Seconds(), MaxRequests: cfg.MaxRequests,
			Partitions: cfg.Partitions, ValueBytes: ValueSize, Quick: cfg.Quick,
			ProducerConfig: "enable.idempotence=true acks=all linger.ms=5 partitioner=murmur2_random message.timeout.ms=" +
				fmt.Sprint(cfg.ProduceTimeout.Milliseconds()),
		},
		Failures: []string{},
	}
	for _, s := range systems {
		rep.Systems = append(rep.Systems, SystemInfo{Name: s.Name, Description: s.Description,
			Available: s.Unavailable == "", Reason: s.Unavailable})
	}
	for _, w := range Workloads {
		for _, c := range cfg.Concurrencies {
			for _, s := range systems {
				if s.Unavailable != "" || !s.Supports(w) {
					continue
				}
				if err := ctx.Err(); err != nil {
					return rep, err
				}
				row, err := runOne(ctx, cfg, st.Bootstrap, s, w, c)
				if err != nil {
					rep.Failures = append(rep.Failures, fmt.Sprintf("%s %s c=%d: %v", s.Name, w.Name, c, err))
					fmt.Fprintln(cfg.Log, "bench: FAILED:", rep.Failures[len(rep.Failures)-1])
				}
				if row != nil {
					rep.Results = append(rep.Results, *row)
				}
			}
		}
	}
	AddRatios(rep.Results, Workloads)
	if cfg.Soak > 0 {
		soak, err := RunSoak(ctx, cfg.Log, st.Bootstrap, systems[0], cfg.Partitions, cfg.SoakConcurrency, cfg.Soak)
		if err != nil {
			rep.Failures = append(rep.Failures, err.Error())
			fmt.Fprintln(cfg.Log, "bench: FAILED:", err)
		}
		rep.Soak = soak
	}
	return rep, nil
}

// runOne measures one (system, workload, concurrency) on a fresh topic.
func runOne(ctx context.Context, cfg Config, bootstrap string, s System, w Workload, c int) (*Row, error) {
	topic := fmt.Sprintf("bench-%s-%s-c%d", s.Name, w.Name, c)
	if s.NeedsTopic {
		if err := stack.CreateTopics(ctx, bootstrap, stack.TopicSpec{Name: topic, Partitions: cfg.Partitions}); err != nil {
			return nil, err
		}
	}
	op, done, err := s.Start(ctx, topic, w, c)
	if err != nil {
		return nil, err
	}
	sampler := StartSampler(s.Procs(), 100*time.Millisecond)
	res := Load{Concurrency: c, Duration: cfg.Duration, MaxRequests: cfg.MaxRequests}.Run(ctx, op)
	usage := sampler.Stop()
	done()

	row := &Row{
		System: s.Name, Workload: w.Name, API: w.API, RecordsPerRequest: w.Records, Concurrency: c, Topic: topic,
		WallS: round3(res.Wall.Seconds()), Requests: res.Requests, Errors: res.Errors, FirstError: res.FirstError,
		Records: res.Records, Rates: ComputeRates(res.OK, res.Records, res.Bytes, res.Wall),
		Latency: Summarize(res.Latencies), Processes: usage,
	}
	fmt.Fprintf(cfg.Log, "bench: %-11s %-13s c=%-3d %8.0f req/s %9.0f rec/s  p50 %6.2f ms  p99 %7.2f ms  errors %d\n",
		s.Name, w.Name, c, row.RequestsPerS, row.RecordsPerS, row.Latency.P50, row.Latency.P99, row.Errors)
	var failed error
	if res.Errors > 0 {
		failed = fmt.Errorf("%d of %d requests failed, first: %s", res.Errors, res.Requests, res.FirstError)
	}
	if s.VerifyKafka && w.Records > 0 {
		keys, err := ReadKeys(ctx, bootstrap, topic, 2*time.Minute)
		if err != nil {
			return row, fmt.Errorf("reading %s back: %w", topic, err)
		}
		v := Verify(res.Acked, keys)
		row.Verification = &v
		if !v.OK {
			return row, fmt.Errorf("verification: %d acknowledged, %d in Kafka, %d missing %v, %d duplicated",
				v.Acked, v.InKafka, v.Missing, v.Missed, v.Duplicates)
		}
	}
	if s.NeedsTopic {
		if err := DeleteTopic(ctx, bootstrap, topic); err != nil {
			fmt.Fprintf(cfg.Log, "bench: deleting %s: %v\n", topic, err)
		}
	}
	return row, failed
}

func machine(p stack.Paths) Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		Kafka: filepath.Base(p.KafkaHome)}
	for _, part := range strings.Split(p.Envoy, string(filepath.Separator)) {
		if strings.HasPrefix(part, "envoy-") { // the install dir, envoy-<version>
			m.Envoy = part
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kib, ok := StatusKiB(b, "MemTotal"); ok {
			m.MemoryGiB = int((kib + 512*1024) / (1024 * 1024))
		}
	}
	return m
}

// WriteJSON writes the report to dir/bench-<time>.json and returns the path.
func WriteJSON(dir string, rep *Report) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+rep.Started.Format("20060102-150405")+".json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}
