// Command topicgate is the Kafka event gateway for Envoy. See pkg/cli.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // policies may read the clock in any IANA zone (time.clock), whatever the image holds

	"github.com/topicgate/topicgate/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		code := 1
		var exit *cli.ExitError
		if errors.As(err, &exit) {
			code = exit.Code
		}
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "topicgate:", msg)
		}
		stop()
		os.Exit(code)
	}
}
