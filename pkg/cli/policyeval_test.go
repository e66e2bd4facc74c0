package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

const (
	demoDir  = "../../policies/demo"
	demoKeys = "../../examples/demo/api-keys.yaml"
)

// recordsPolicy allows the key "ops" to produce to "orders", denies records
// whose value mentions a secret, and names a few decision fields.
const recordsPolicy = `package topicgate.authz

default allow := false

allow if {
	input.principal.type == "api_key"
	input.principal.id == "ops"
	input.topic == "orders"
}

secret contains r.index if {
	some r in input.records
	contains(json.marshal(r.value.data), "secret")
}

decision := {"allow": false, "reason": sprintf("records %v mention a secret", [sort(secret)]), "status": 422} if {
	count(secret) > 0
} else := {"allow": allow, "topic": "tenant-a.orders", "value_schema": "orders.v1", "limits": {"max_records": 10}} if {
	print("phase", input.phase, "records", count(object.get(input, "records", [])))
	allow
} else := {"allow": false, "reason": "not ops"}
`

func TestPolicyEval(t *testing.T) {
	records := policyDir(t, map[string]string{"p.rego": recordsPolicy})
	broken := policyDir(t, map[string]string{"p.rego": "package topicgate.authz\n\ndecision := \"yes\"\n"})
	files := policyDir(t, map[string]string{
		"produce.yaml": `method: POST
url: https://gw.example.com/kafka/v3/clusters/lkc-9/topics/orders/records?x=1
headers:
  Content-Type: application/json
  X-Trace: t-1
body:
  value: {type: JSON, data: {productId: "123", note: "fine"}}
principal: api_key:ops
source_address: 10.1.2.3:4567
`,
		"batch.json": `{"method": "POST", "path": "/v3/clusters/C/topics/orders/records:batch",
  "headers": {"content-type": "application/json"}, "body_file": "batch-body.json",
  "principal": {"type": "api_key", "id": "ops"}}`,
		"batch-body.json": `{"entries": [{"id": "a", "value": {"type": "STRING", "data": "top secret"}}]}`,
		"v2.yaml": "method: POST\npath: /topics/orders\nheaders: {content-type: application/vnd.kafka.json.v2+json}\n" +
			"body: '{\"records\": [{\"value\": {\"a\": 1}}]}'\nprincipal: api_key:ops\ncluster: {name: second, id: lkc-2}\n",
		"typo.yaml": "method: POST\npath: /v3/clusters\nbdy: x\n",
	})
	badBase64 := `{"value": {"type": "BINARY", "data": "not base64!"}}`
	_, parseErr := kafkarest.ParseProduce([]byte(badBase64), 1000)
	if parseErr == nil {
		t.Fatal("the bad base64 body parses")
	}
	gatewayAnswer := string(kafkarest.ErrorBody("v3", apierr.From(parseErr)))

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // regular expressions the output must match
		notWant  []string
	}{
		{
			name: "a produce: phase request, then phase records with the body's records",
			args: []string{"-dir", records, "curl -s -u ops:whatever -H 'Content-Type: application/json' http://gw/kafka/v3/clusters/lkc-1/topics/orders/records " +
				`-d '{"key": {"type": "STRING", "data": "k1"}, "value": {"type": "JSON", "data": {"n": 1}}}'`},
			want: []string{
				`principal from the credentials; the secret is NOT verified \(no -api-keys\)`,
				`== decision 1: phase request, action produce: WRITE on TOPIC "orders"`,
				`== decision 2: phase records, action produce: WRITE on TOPIC "orders"`,
				`"records": \[\n\s+\{\n\s+"index": 0,`,
				`"key": \{\n\s+"type": "STRING",\n\s+"data": "k1",\n\s+"size": 2`,
				`"records_summary": \{\n\s+"count": 1,`,
				`print: phase request records 0`,
				`print: phase records records 1`,
				`decision: allow\n  topic: tenant-a\.orders\n  value_schema: orders\.v1\n  limits: max_records=10 `,
				`result: ALLOWED: every decision allowed; topicgate would now call Kafka`,
			},
		},
		{
			name: "a records-phase denial",
			args: []string{"-dir", records, "curl", "-u", "ops:x", "-H", "content-type: application/json", "http://gw/v3/clusters/C/topics/orders/records",
				"-d", `{"value": {"type": "STRING", "data": "a secret"}}{"value": {"type": "STRING", "data": "ok"}}{"value": {"type": "JSON", "data": {"s": "secret"}}}`},
			wantCode: 2,
			want: []string{
				`== decision 2: phase records`,
				`decision: deny\n  reason: records \[0, 2\] mention a secret\n  status: 422`,
				`result: DENIED: topicgate answers 422\n  \{"error_code":42201,"message":"Request is not authorized: records \[0, 2\] mention a secret"\}`,
			},
		},
		{
			name:     "bad base64: the gateway's own 400, after the request phase",
			args:     []string{"-dir", records, "-principal", "api_key:ops", "curl -H 'Content-Type: application/json' http://gw/v3/clusters/C/topics/orders/records -d '" + badBase64 + "'"},
			wantCode: 1,
			want:     []string{`== decision 1: phase request`, `result: REFUSED after the policy allowed: topicgate answers 400\n  ` + regexp.QuoteMeta(gatewayAnswer)},
			notWant:  []string{"decision 2"},
		},
		{
			name:     "curl's default form content type is refused as topicgate refuses it",
			args:     []string{"-dir", records, "-principal", "api_key:ops", "curl", "http://gw/v3/clusters/C/topics/orders/records", "-d", `{"value": {"type": "STRING", "data": "x"}}`},
			wantCode: 1,
			want:     []string{`topicgate answers 415`},
		},
		{
			name: "a request file: URL, headers, a YAML body sent as JSON, a trusted principal, the source address",
			args: []string{"-dir", records, filepath.Join(files, "produce.yaml")},
			want: []string{
				`principal from the request file \(trusted\)`,
				`"id": "lkc-9"`, `"path": "/kafka/v3/clusters/lkc-9/topics/orders/records"`, `"x": \[\n\s+"1"\n\s+\]`,
				`"x-trace": "t-1"`, `"x-forwarded-proto": "https"`, `"source_address": "10\.1\.2\.3:4567"`,
				`"data": \{\n\s+"note": "fine",\n\s+"productId": "123"\n\s+\}`,
				`result: ALLOWED`,
			},
		},
		{
			name:     "a JSON request file with body_file: a batch's records",
			args:     []string{"-dir", records, filepath.Join(files, "batch.json")},
			wantCode: 2,
			want:     []string{`phase records, action produce_batch`, `"data": "top secret"`, `records \[0\] mention a secret`},
		},
		{
			name: "a v2 produce from a file names its cluster",
			args: []string{"-dir", records, filepath.Join(files, "v2.yaml")},
			want: []string{`"cluster": \{\n\s+"name": "second",\n\s+"id": "lkc-2"`, `"api": "v2"`, `phase records`, `result: ALLOWED`},
		},
		{
			name:     "an unknown field in a request file",
			args:     []string{"-dir", records, filepath.Join(files, "typo.yaml")},
			wantCode: 1,
			want:     []string{`typo\.yaml: yaml: unmarshal errors:\n.*field bdy not found`},
		},
		{
			name:     "-principal overrides the credentials",
			args:     []string{"-dir", records, "-principal", "api_key:someone", "curl -u ops:x http://gw/v3/clusters/C/topics/orders"},
			wantCode: 2,
			want:     []string{`principal from -principal \(trusted\)`, `"id": "someone"`, `topicgate answers 403`},
		},
		{
			name:     "a JSON -principal",
			args:     []string{"-dir", records, "-principal", `{"type": "api_key", "id": "ops"}`, "curl http://gw/v3/clusters/C/topics/orders"},
			want:     []string{`result: ALLOWED`},
			wantCode: 0,
		},
		{
			name:     "-api-keys verifies the secret: a wrong one is refused as topicgate refuses it",
			args:     []string{"-dir", demoDir, "-api-keys", demoKeys, "curl -u demo:wrong http://gw/v3/clusters"},
			wantCode: 1,
			want:     []string{`verified against`, `REFUSED before the policy was asked: topicgate answers 401\n  \{"error_code":40101,"message":"Authentication failed"\}\n  www-authenticate: Basic realm="topicgate"`},
			notWant:  []string{"== decision"},
		},
		{
			name:     "an anonymous denial is a 401",
			args:     []string{"-dir", demoDir, "curl", "http://gw/v3/clusters/C/topics/orders"},
			wantCode: 2,
			want:     []string{`"type": "anonymous"`, `topicgate answers 401`, `www-authenticate: Basic realm="topicgate"`},
		},
		{
			name:     "-explain shows why each rule did not allow",
			args:     []string{"-dir", demoDir, "-explain", "curl", "-u", "demo:x", "-X", "DELETE", "http://gw/v3/clusters/C/topics/orders"},
			wantCode: 2,
			want:     []string{`explain \(fails\):`, `authz\.rego:\d+ +\| \| \| Fail input\.principal\.type = "anonymous"`},
		},
		{
			name:     "-explain=full",
			args:     []string{"-dir", demoDir, "-explain=full", "curl", "-u", "demo:x", "http://gw/v3/clusters/C/topics/orders"},
			want:     []string{`explain \(full\):`, `Enter data\.topicgate\.authz\.decision`, `Exit data\.topicgate\.authz\.allow`},
			wantCode: 0,
		},
		{
			name:     "a malformed decision denies, and says why",
			args:     []string{"-dir", broken, "curl http://gw/v3/clusters"},
			wantCode: 2,
			want:     []string{`decision: deny\n  policy error: expected boolean or object decision, got string`},
		},
		{
			name:     "create topic: the decision is on the topic in the body",
			args:     []string{"-dir", demoDir, "curl -u demo:x -H 'Content-Type: application/json' http://gw/v3/clusters/C/topics -d '{\"topic_name\": \"orders\"}'"},
			wantCode: 2,
			want:     []string{`== decision 1: phase request, action create_topic: CREATE on TOPIC "orders"`},
		},
		{
			name:     "an unknown route",
			args:     []string{"-dir", demoDir, "curl http://gw/v3/nothing"},
			wantCode: 1,
			want:     []string{`topicgate answers 404`},
		},
		{
			name: "the public OpenAPI document",
			args: []string{"-dir", demoDir, "curl http://gw/openapi.json"},
			want: []string{`ALLOWED: a public endpoint`},
		},
		{
			name:     "no -dir",
			args:     []string{"curl http://gw/v3/clusters"},
			wantCode: 1,
			want:     []string{`-dir is required`},
		},
		{
			name:     "a directory that does not compile",
			args:     []string{"-dir", policyDir(t, map[string]string{"p.rego": "package x\n\ny if {"}), "curl http://gw/v3/clusters"},
			wantCode: 1,
			want:     []string{`does not load:\n  .*p\.rego:3: rego_parse_error`},
		},
		{
			name:     "-principal and -api-keys together",
			args:     []string{"-dir", demoDir, "-principal", "anonymous", "-api-keys", demoKeys, "curl http://gw/v3/clusters"},
			wantCode: 1,
			want:     []string{`give -principal or -api-keys, not both`},
		},
		{
			name:     "a bad -principal",
			args:     []string{"-dir", demoDir, "-principal", "demo", "curl http://gw/v3/clusters"},
			wantCode: 1,
			want:     []string{`want type:id`},
		},
		{
			name:     "no request",
			args:     []string{"-dir", demoDir},
			wantCode: 1,
			want:     []string{`name a request`},
		},
		{
			name:     "a missing request file",
			args:     []string{"-dir", demoDir, filepath.Join(files, "nope.yaml")},
			wantCode: 1,
			want:     []string{`no such file`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runMain(t, append([]string{"policy", "eval"}, tt.args...)...)
			out := stdout + stderr
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d", code, tt.wantCode)
			}
			for _, w := range tt.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("output does not match %s", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// TestPolicyEvalReadmeDemo evaluates every curl command of the README's
// walk-through against the demo policy and key file, and expects the
// outcomes the e2e suite checks through real Envoy and Kafka
// (TestDemoStackReadme): the anonymous produce is denied, the rest allowed.
func TestPolicyEvalReadmeDemo(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{ // a part of the command -> exit status
		"-u demo:demo-secret http://127.0.0.1:8080/v3/clusters":                                       evalAllowed,
		"curl -s http://127.0.0.1:8080/v3/clusters/$CLUSTER_ID/topics":                                evalAllowed,
		"-u demo:demo-secret -H 'Content-Type: application/json'":                                     evalAllowed,
		"curl -s -H 'Content-Type: application/json'":                                                 evalDenied,
		"http://127.0.0.1:8080/topics/orders":                                                         evalAllowed,
		"partitions/0/records?offset=earliest":                                                        evalAllowed,
		"http://127.0.0.1:8080/consumers/demo-app -d":                                                 evalAllowed,
		"instances/c1/subscription":                                                                   evalAllowed,
		"instances/c1/records?timeout=3000":                                                           evalAllowed,
		"-X POST http://127.0.0.1:8080/consumers/demo-app/instances/c1/offsets":                       evalAllowed,
		"-X DELETE http://127.0.0.1:8080/consumers/demo-app/instances/c1":                             evalAllowed,
		"curl -s -u demo:demo-secret http://127.0.0.1:8080/v3/clusters | jq -r '.data[0].cluster_id'": evalAllowed,
		// eval cannot verify a token (Envoy does): a Bearer token is
		// refused before the policy is asked, as without jwt_authn.
		`-H "Authorization: Bearer $TOKEN"`: evalError,
	}
	found := map[string]bool{}
	for _, cmd := range readmeCurls(string(raw)) {
		key := ""
		for k := range want {
			if strings.Contains(cmd, k) && len(k) > len(key) {
				key = k
			}
		}
		if key == "" {
			t.Errorf("a README curl command this test does not know; add its expected outcome:\n%s", cmd)
			continue
		}
		found[key] = true
		stdout, stderr, code := runMain(t, "policy", "eval", "-dir", demoDir, "-api-keys", demoKeys, cmd)
		if code != want[key] {
			t.Errorf("%s\nexit status %d, want %d\n%s%s", cmd, code, want[key], stdout, stderr)
		}
	}
	for k := range want {
		if !found[k] {
			t.Errorf("the README no longer has a curl command with %q", k)
		}
	}
}

// readmeCurls returns the curl commands of the README's shell blocks that
// call the local stack (http://127.0.0.1:8080), continuation lines joined.
func readmeCurls(readme string) []string {
	var out []string
	inShell := false
	var cur strings.Builder
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inShell = true
			continue
		case strings.HasPrefix(line, "```"):
			inShell = false
			continue
		}
		if !inShell {
			continue
		}
		if cur.Len() == 0 {
			_, after, ok := strings.Cut(line, "$(")
			switch {
			case strings.HasPrefix(line, "curl "):
			case ok && strings.HasPrefix(after, "curl "): // CLUSTER_ID=$(curl ... | jq ...)
				line = strings.TrimSuffix(after, ")")
			default:
				continue
			}
		}
		cur.WriteString(line + "\n")
		if !strings.HasSuffix(line, "\\") {
			if cmd := cur.String(); strings.Contains(cmd, "http://127.0.0.1:8080") {
				out = append(out, strings.TrimSpace(cmd))
			}
			cur.Reset()
		}
	}
	return out
}

// TestPolicyEvalLibrary evaluates requests against the shipped examples and
// checks the decision fields each one is about.
func TestPolicyEvalLibrary(t *testing.T) {
	const lib = "../../policies/"
	produce := func(topic, value string) string {
		return `curl -H 'Content-Type: application/json' http://gw/v3/clusters/C/topics/` + topic + `/records -d '{"value": ` + value + `}'`
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "topic-acl: a prefix grant", args: []string{"-dir", lib + "topic-acl", "-principal", "api_key:analytics", "curl http://gw/v3/clusters/C/topics/clicks.eu/partitions/0/records?offset=0"},
			want: []string{`reason: allowed by the topic ACL`, `result: ALLOWED`}},
		{name: "topic-acl: no grant", args: []string{"-dir", lib + "topic-acl", "-principal", "api_key:analytics", produce("clicks.eu", `{"type": "STRING", "data": "x"}`)},
			wantCode: 2, want: []string{`api_key:analytics may not WRITE topic "clicks\.eu" \(no ACL entry allows it\)`}},
		{name: "read-only: no produce", args: []string{"-dir", lib + "read-only", "-principal", "api_key:dashboard", produce("orders", `{"type": "STRING", "data": "x"}`)},
			wantCode: 2, want: []string{`is read-only: it may not WRITE topic "orders"`, `topicgate answers 403`}},
		{name: "tenant-prefix: both phases name the tenant's topic", args: []string{"-dir", lib + "tenant-prefix", "-principal", "api_key:acme-orders", produce("orders", `{"type": "STRING", "data": "x"}`)},
			want: []string{`(?s)phase request.*topic: acme\.orders.*phase records.*topic: acme\.orders.*result: ALLOWED`}},
		{name: "schema-topics: the decision names the schema", args: []string{"-dir", lib + "schema-topics", "-principal", "api_key:orders-service", produce("orders", `{"type": "JSON", "data": {"order_id": "o-1"}}`)},
			want: []string{`(?s)phase request.*value_schema: orders\.v1.*phase records.*value_schema: orders\.v1`}},
		{name: "pii-reject: a record dropped", args: []string{"-dir", lib + "pii-reject", "-principal", "api_key:support-tool", produce("tickets", `{"type": "STRING", "data": "jo@example.com"}`)},
			want: []string{`denied record 0: record 0: the value looks like it holds an email address`, `result: ALLOWED`}},
		{name: "pii-reject: a strict topic refuses", args: []string{"-dir", lib + "pii-reject", "-principal", "api_key:support-tool", produce("payments", `{"type": "STRING", "data": "card 4111 1111 1111 1111"}`)},
			wantCode: 2, want: []string{`topicgate answers 422\n  \{"error_code":42201,"message":"Request is not authorized: record 0: the value looks like it holds a card number"\}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runMain(t, append([]string{"policy", "eval"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d", code, tt.wantCode)
			}
			for _, w := range tt.want {
				if !regexp.MustCompile(w).MatchString(stdout) {
					t.Errorf("output does not match %s", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s%s", stdout, stderr)
			}
		})
	}
	// The schema the decision names is beside the policy, where topicgate
	// looks for it.
	if _, err := os.Stat(lib + "schema-topics/schemas/orders.v1.json"); err != nil {
		t.Error(err)
	}
}

// eval stands in for a JWT or mTLS caller given as an object: the demo
// policy lets a token of the group "demo" produce to orders, and the
// orders-writer certificate too, but not a token without the group.
func TestPolicyEvalCallerObject(t *testing.T) {
	produce := `curl -H 'Content-Type: application/json' http://127.0.0.1:8080/v3/clusters/C/topics/orders/records -d '{"value":{"type":"STRING","data":"x"}}'`
	for _, tt := range []struct {
		principal string
		want      int
	}{
		{`{"type":"jwt","id":"demo-user","groups":["demo"],"claims":{"sub":"demo-user","groups":["demo"]}}`, evalAllowed},
		{`{"type":"jwt","id":"someone","groups":["other"]}`, evalDenied},
		{`{"type":"mtls","id":"spiffe://cluster.local/ns/shop/sa/orders-writer","peer":{"uri_san":"spiffe://cluster.local/ns/shop/sa/orders-writer"}}`, evalAllowed},
		{`{"type":"jwt","id":"x","colour":"red"}`, evalError},
	} {
		stdout, stderr, code := runMain(t, "policy", "eval", "-dir", demoDir, "-principal", tt.principal, produce)
		if code != tt.want {
			t.Errorf("-principal %s: exit status %d, want %d\n%s%s", tt.principal, code, tt.want, stdout, stderr)
		}
	}
}
