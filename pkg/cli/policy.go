package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

const policyUsage = `Usage:
  topicgate policy test [-v] [-run REGEX] DIR...   run the Rego tests (*_test.rego) of policy directories
  topicgate policy check [-query Q] DIR...         compile as topicgate serves, find the decision rule, lint
  topicgate policy eval [flags] REQUEST            evaluate a request (a file, or a curl command line)

None of them needs Kafka or Envoy. docs/policy.md ("The policy CLI") describes them.
'topicgate policy eval -h' lists its flags; exit status 0 allow, 1 error, 2 denied.
`

// ExitError is an error with its own exit status. An empty Err means the
// command already said everything (a denial printed by policy eval).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// policyCmd runs the policy author's commands.
func policyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return errors.New("policy: name a command: test, check or eval")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "test":
		return policyTest(ctx, args, stdout, stderr)
	case "check":
		return policyCheck(ctx, args, stdout, stderr)
	case "eval":
		return policyEval(ctx, args, stdout, stderr)
	case "help", "-h", "-help", "--help":
		_, err := fmt.Fprint(stdout, policyUsage)
		return err
	}
	fmt.Fprint(stderr, policyUsage)
	return fmt.Errorf("policy: unknown command %q", cmd)
}

// parseFlags parses a command's flags. -h prints the usage and is not an
// error: help reports it, and the command stops.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return true, nil
	}
	return false, err
}
