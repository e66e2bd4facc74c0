// Package cli is topicgate's command line. Main is the whole program, so tests
// and benchmarks can run it in-process; cmd/topicgate only adds signals.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/topicgate/topicgate/pkg/config"
	"github.com/topicgate/topicgate/pkg/server"
)

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

const usage = `topicgate: a Kafka event gateway for Envoy (ext_proc) with OPA policy,
and a guard for Kafka REST backends (ext_authz, with -mode guard).

Usage:
  topicgate [serve] [flags]            run the gateway (see 'topicgate serve -h')
  topicgate apikey hash [-secret S]    hash an API key secret for the keys file
  topicgate envoy-config -template F   render an Envoy config template
  topicgate policy test DIR...         run the Rego tests of policy directories
  topicgate policy check DIR...        compile policies as served, find the decision rule, lint
  topicgate policy eval REQUEST        what the policy decides for a request (file or curl line)
  topicgate version                    print the version
`

// Main runs topicgate with args (without the program name). A normal shutdown
// (ctx cancelled) returns nil. An *ExitError carries its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "apikey":
		return apikey(args, os.Stdin, stdout, stderr)
	case "envoy-config":
		return envoyConfig(args, os.Getenv, stdout, stderr)
	case "policy":
		return policyCmd(ctx, args, stdout, stderr)
	case "version":
		_, err := fmt.Fprintln(stdout, "topicgate", Version)
		return err
	case "help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := config.Load(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logs, sync, err := newLoggers(cfg.Log, stderr)
	if err != nil {
		return err
	}
	defer sync()
	return server.Run(ctx, cfg, logs, func(a server.Addrs) {
		// A plain line for harnesses and humans; the JSON log has the same.
		fmt.Fprintf(stderr, "topicgate ready grpc=%s admin=%s\n", a.GRPC, a.Admin)
	})
}
