// Command bench is `make bench`: topicgate through Envoy, a direct Kafka
// producer and plain Envoy side by side against one Kafka broker. It prints
// a table and writes a JSON report whose path it prints last. See
// docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/topicgate/topicgate/e2e/bench"
	"github.com/topicgate/topicgate/e2e/stack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// flagSet reports whether the flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func run() error {
	cfg := bench.Config{Log: os.Stderr}
	conc := flag.String("c", "1,8,32,128", "concurrencies (connections), comma-separated")
	flag.StringVar(&cfg.TopicgateBin, "topicgate", "bin/topicgate", "the topicgate binary")
	flag.DurationVar(&cfg.Duration, "duration", 4*time.Second, "how long each (system, workload, concurrency) runs")
	flag.Int64Var(&cfg.MaxRequests, "max-requests", 200000, "at most this many requests per (system, workload, concurrency)")
	flag.IntVar(&cfg.Partitions, "partitions", 3, "partitions of each fresh topic")
	flag.DurationVar(&cfg.RequestTimeout, "request-timeout", 30*time.Second, "bound on each HTTP request")
	flag.DurationVar(&cfg.ProduceTimeout, "produce-timeout", 10*time.Second, "topicgate's and the direct producer's produce timeout")
	flag.BoolVar(&cfg.Quick, "quick", false, "a ~1 minute run: concurrencies 1 and 32, 1.5s each (overrides -c and -duration)")
	flag.DurationVar(&cfg.Soak, "soak", 5*time.Minute, "after the matrix, a mixed load on topicgate this long, sampling its RSS (0: no soak; -quick: 0)")
	flag.IntVar(&cfg.SoakConcurrency, "soak-c", 32, "connections of the soak")
	out := flag.String("out", "", "directory of the JSON report (default <repo>/.cache/bench)")
	flag.Parse()
	if cfg.Quick {
		*conc, cfg.Duration = "1,32", 1500*time.Millisecond
		if !flagSet("soak") {
			cfg.Soak = 0
		}
	}
	for _, f := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("-c: bad concurrency %q", f)
		}
		cfg.Concurrencies = append(cfg.Concurrencies, n)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if cfg.Root, err = stack.Root(wd); err != nil {
		return err
	}
	if cfg.TopicgateBin, err = filepath.Abs(cfg.TopicgateBin); err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(cfg.Root, ".cache", "bench")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	if rep == nil {
		return err
	}
	fmt.Println()
	bench.WriteTable(os.Stdout, rep)
	path, werr := bench.WriteJSON(*out, rep)
	if werr != nil {
		return werr
	}
	for _, f := range rep.Failures {
		fmt.Println("FAILED:", f)
	}
	fmt.Printf("\nbench took %s\n%s\n", time.Since(start).Round(time.Second), path)
	if err != nil {
		return err
	}
	if len(rep.Failures) > 0 {
		return fmt.Errorf("%d runs failed", len(rep.Failures))
	}
	return nil
}
