package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/topicgate/topicgate/pkg/config"
	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/policy"
)

// Exit statuses of policy eval.
const (
	evalAllowed = 0 // every decision allowed: topicgate would go on to Kafka
	evalError   = 1 // eval failed, or topicgate would refuse the request without a denial
	evalDenied  = 2 // a decision denied
)

const evalUsage = `Usage: topicgate policy eval [flags] REQUEST

REQUEST is a curl command (one argument, or the words after 'curl'), a
request file (YAML or JSON: method, url or path, headers, body or body_file,
principal, cluster, source_address), or - for a request file on stdin.

eval builds the inputs topicgate builds, asks the policy each decision
topicgate would ask, in order, and prints each input and decision. It stops
where topicgate would answer: at a denial or an invalid request. Kafka is not
asked (topic existence, partitions and sizes are not checked).

Exit status: 0 allowed, 2 denied, 1 anything else (eval failed, or
topicgate would refuse the request without a denial: unknown route, bad
credentials, bad body).

Flags:
`

// policyEval evaluates one request against a policy directory offline.
func policyEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defaults := config.Default()
	fs := flag.NewFlagSet("topicgate policy eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, evalUsage)
		fs.PrintDefaults()
	}
	dir := fs.String("dir", os.Getenv(config.EnvName("policy-dir")), "the policy directory (default $"+config.EnvName("policy-dir")+")")
	query := fs.String("query", policy.DefaultQuery, "the decision topicgate asks for (policy.query)")
	keys := fs.String("api-keys", "", "verify Basic credentials against this API keys file; without it the key id is trusted and the secret not checked")
	principalFlag := fs.String("principal", "", "the principal, trusted: type:id (api_key:demo), anonymous, or a JSON object; overrides the request's credentials")
	clusterName := fs.String("cluster-name", "default", "input.cluster.name (the cluster's name in topicgate's configuration)")
	clusterID := fs.String("cluster-id", "", "input.cluster.id for v2 routes (v3 routes take the id in their path)")
	timeout := fs.Duration("timeout", defaults.Policy.Timeout.D(), "bound on each evaluation, as policy.timeout")
	var explain explainMode
	fs.Var(&explain, "explain", "explain each decision: -explain (the failed expressions and notes), -explain=notes (trace() notes only) or -explain=full (the whole trace)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fail := func(err error) error { return &ExitError{Code: evalError, Err: fmt.Errorf("policy eval: %w", err)} }
	if *dir == "" {
		return fail(errors.New("-dir is required (or $" + config.EnvName("policy-dir") + ")"))
	}
	req, err := readRequest(fs.Args())
	if err != nil {
		return fail(err)
	}

	// Who is calling: a trusted principal, or the credentials as topicgate
	// would check them (verified only with -api-keys).
	var auth gateway.Authenticator
	var who string
	switch {
	case *principalFlag != "" && *keys != "":
		return fail(errors.New("give -principal or -api-keys, not both"))
	case *principalFlag != "":
		p, err := parsePrincipal(*principalFlag)
		if err != nil {
			return fail(err)
		}
		auth, who = fixedPrincipal(p), "from -principal (trusted)"
	case req.principal != nil:
		auth, who = fixedPrincipal(*req.principal), "from the request file (trusted)"
	case *keys != "":
		k, err := identity.LoadAPIKeys(*keys)
		if err != nil {
			return fail(err)
		}
		// Basic credentials only: eval has no token Envoy verified.
		auth, who = identity.NewAuthenticator(k, identity.JWT{}), "from the credentials, verified against "+*keys
	default:
		auth, who = unverifiedBasic{}, "from the credentials; the secret is NOT verified (no -api-keys)"
	}
	cluster := policy.Cluster{Name: *clusterName, ID: *clusterID}
	if req.cluster != nil {
		cluster = *req.cluster
	}

	ev, err := newEvaluator(ctx, *dir, *query, *timeout, explain)
	if err != nil {
		return fail(err)
	}
	g := gateway.New(gateway.Options{
		Auth: auth, Policy: ev,
		MaxBodyBytes: defaults.Limits.MaxBodyBytes, MaxRecords: defaults.Limits.MaxRecords,
	})
	greq := req.gatewayRequest(uuid.NewString())
	fmt.Fprintf(stdout, "request: %s %s (principal %s)\n", greq.Method, greq.Path, who)
	steps, resp := g.DryRun(ctx, greq, req.body, cluster)

	for i, s := range steps {
		printStep(stdout, i+1, s, ev.explained[i], explain)
	}
	switch {
	case resp == nil && len(steps) == 0:
		fmt.Fprintln(stdout, "result: ALLOWED: a public endpoint, answered without credentials or a decision")
		return nil
	case resp == nil:
		fmt.Fprintln(stdout, "result: ALLOWED: every decision allowed; topicgate would now call Kafka")
		return nil
	}
	verdict, code := "REFUSED before the policy was asked", evalError
	switch {
	case len(steps) > 0 && !steps[len(steps)-1].Decision.Allow:
		verdict, code = "DENIED", evalDenied
	case len(steps) > 0:
		verdict = "REFUSED after the policy allowed"
	}
	fmt.Fprintf(stdout, "result: %s: topicgate answers %d\n  %s\n", verdict, resp.Status, resp.Body)
	for _, h := range []string{"www-authenticate", "retry-after"} {
		if v := resp.Headers[h]; v != "" {
			fmt.Fprintf(stdout, "  %s: %s\n", h, v)
		}
	}
	return &ExitError{Code: code}
}

// printStep prints one decision: what was asked, the input, and the answer.
func printStep(out io.Writer, n int, s gateway.Step, ex explained, mode explainMode) {
	in := s.Input
	res := in.Resource.Type + " " + fmt.Sprintf("%q", in.Resource.Name)
	if in.Resource.PatternType != "" {
		res += " (" + in.Resource.PatternType + ")"
	}
	fmt.Fprintf(out, "\n== decision %d: phase %s, action %s: %s on %s\n", n, in.Phase, in.Action, in.Operation, res)
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		b = []byte(err.Error())
	}
	fmt.Fprintf(out, "input:\n%s\n", b)
	for _, line := range ex.prints {
		fmt.Fprintf(out, "print: %s\n", line)
	}
	d := s.Decision
	verdict := "deny"
	if d.Allow {
		verdict = "allow"
	}
	fmt.Fprintf(out, "decision: %s\n", verdict)
	field := func(name string, v any) { fmt.Fprintf(out, "  %s: %v\n", name, v) }
	if d.Err != nil {
		field("policy error", d.Err)
	}
	if d.Reason != "" {
		field("reason", d.Reason)
	}
	if d.Status != 0 {
		field("status", d.Status)
	}
	if len(d.Headers) > 0 {
		field("headers", d.Headers)
	}
	for _, r := range d.DeniedRecords {
		fmt.Fprintf(out, "  denied record %d: %s\n", r.Index, r.Reason)
	}
	if d.Topic != "" {
		field("topic", d.Topic)
	}
	if d.Cluster != "" {
		field("cluster", d.Cluster)
	}
	if d.ValueSchema != "" {
		field("value_schema", d.ValueSchema)
	}
	if l := d.Limits; l != nil {
		field("limits", fmt.Sprintf("max_records=%d max_record_bytes=%d max_request_bytes=%d records_per_second=%g bytes_per_second=%g",
			l.MaxRecords, l.MaxRecordBytes, l.MaxRequestBytes, l.RecordsPerSec, l.BytesPerSec))
	}
	if mode != "" {
		fmt.Fprintf(out, "explain (%s):\n%s", mode, ex.trace)
	}
}

// basicChallenge is the WWW-Authenticate of eval's 401s: it reads Basic
// credentials only.
const basicChallenge = `Basic realm="topicgate"`

// fixedPrincipal is a caller eval was given: it ignores credentials.
type fixedPrincipal identity.Caller

func (p fixedPrincipal) Authenticate(identity.Credentials) (identity.Caller, error) {
	return identity.Caller(p), nil
}

func (fixedPrincipal) Challenge() string { return basicChallenge }

// unverifiedBasic takes the key id of Basic credentials without checking
// the secret; no credentials are anonymous, as for topicgate.
type unverifiedBasic struct{}

func (unverifiedBasic) Authenticate(c identity.Credentials) (identity.Caller, error) {
	if c.Authorization == "" {
		return identity.Caller{Principal: identity.Anonymous}, nil
	}
	scheme, cred, _ := strings.Cut(c.Authorization, " ")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	id, _, ok := strings.Cut(string(raw), ":")
	if !strings.EqualFold(scheme, "basic") || err != nil || !ok || id == "" {
		// What topicgate answers to credentials it cannot read.
		return identity.Caller{}, identity.ErrBadCredentials
	}
	return identity.Caller{Principal: identity.Principal{Type: identity.TypeAPIKey, ID: id}, Sources: []string{identity.TypeAPIKey}}, nil
}

func (unverifiedBasic) Challenge() string { return basicChallenge }

// newEvaluator prepares the directory as topicgate serves it, with print()
// kept so that its output can be shown.
func newEvaluator(ctx context.Context, dir, query string, timeout time.Duration, mode explainMode) (*evaluator, error) {
	var compiler *ast.Compiler
	opts := append(policy.RegoOptions(dir, query, schemaDir(dir)), rego.EnablePrintStatements(true),
		rego.CompilerHook(func(c *ast.Compiler) { compiler = c }))
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s does not load:\n  %s", dir, strings.Join(regoErrors(err, ""), "\n  "))
	}
	if len(compiler.Modules) == 0 {
		return nil, fmt.Errorf("%s: no .rego files: topicgate refuses to start without a policy", dir)
	}
	return &evaluator{pq: pq, query: query, timeout: timeout, mode: mode}, nil
}
