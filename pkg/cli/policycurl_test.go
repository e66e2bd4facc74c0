package cli

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShellWords(t *testing.T) {
	tests := []struct {
		name, line string
		want       []string
		wantErr    string
	}{
		{name: "plain words", line: "curl -s http://h/v3", want: []string{"curl", "-s", "http://h/v3"}},
		{name: "single quotes keep everything", line: `curl -d '{"a": "b c", "d": "\n"}'`, want: []string{"curl", "-d", `{"a": "b c", "d": "\n"}`}},
		{name: "double quotes with escapes", line: `curl -H "X: \"q\" \\ \$HOME \a"`, want: []string{"curl", "-H", `X: "q" \ $HOME \a`}},
		{name: "variables are not expanded", line: `curl "http://h/v3/clusters/$CLUSTER_ID/topics"`, want: []string{"curl", "http://h/v3/clusters/$CLUSTER_ID/topics"}},
		{name: "backslash-newline continues the line", line: "curl -s \\\n  -u demo:x \\\n  http://h/", want: []string{"curl", "-s", "-u", "demo:x", "http://h/"}},
		{name: "adjacent quoted parts make one word", line: `curl -d 'a'"b"c`, want: []string{"curl", "-d", "abc"}},
		{name: "an empty quoted word", line: `curl -d ''`, want: []string{"curl", "-d", ""}},
		{name: "a pipe ends the command", line: `curl -s http://h/v3/clusters | jq -r '.data[0]'`, want: []string{"curl", "-s", "http://h/v3/clusters"}},
		{name: "a quoted pipe does not", line: `curl -d 'a|b'`, want: []string{"curl", "-d", "a|b"}},
		{name: "unterminated single quote", line: `curl -d '{"a"`, wantErr: "unterminated ' quote"},
		{name: "unterminated double quote", line: `curl -d "{`, wantErr: `unterminated " quote`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shellWords(tt.line)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("shellWords = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("words (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCurl(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "body.json")
	if err := os.WriteFile(body, []byte("{\"a\":\r\n 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	type want struct {
		method, scheme, authority, path string
		headers                         map[string]string
		body                            string
	}
	tests := []struct {
		name    string
		words   string // after "curl"
		want    want
		wantErr string
	}{
		{name: "a GET", words: "http://127.0.0.1:8080/v3/clusters",
			want: want{method: "GET", scheme: "http", authority: "127.0.0.1:8080", path: "/v3/clusters", headers: map[string]string{"accept": "*/*"}}},
		{name: "-d makes a POST with curl's form content type", words: "http://h/topics/t -d x=1",
			want: want{method: "POST", scheme: "http", authority: "h", path: "/topics/t", body: "x=1",
				headers: map[string]string{"accept": "*/*", "content-type": "application/x-www-form-urlencoded"}}},
		{name: "-H names the content type; -u gives Basic credentials", words: `-s -u demo:demo-secret -H 'Content-Type: application/json' https://gw/kafka/v3/clusters/C/topics/orders/records -d '{"value":{"type":"STRING","data":"x"}}'`,
			want: want{method: "POST", scheme: "https", authority: "gw", path: "/kafka/v3/clusters/C/topics/orders/records", body: `{"value":{"type":"STRING","data":"x"}}`,
				headers: map[string]string{"accept": "*/*", "content-type": "application/json", "authorization": basic("demo:demo-secret")}}},
		{name: "-X wins over -d's POST; the query is kept", words: "-X PUT 'http://h/v3/clusters/C/topics/t/configs/x?dry=1' -d '{}'",
			want: want{method: "PUT", scheme: "http", authority: "h", path: "/v3/clusters/C/topics/t/configs/x?dry=1", body: "{}",
				headers: map[string]string{"accept": "*/*", "content-type": "application/x-www-form-urlencoded"}}},
		{name: "combined short flags and attached values", words: "-sSf -XDELETE -HAccept:x h/consumers/g/instances/c",
			want: want{method: "DELETE", scheme: "http", authority: "h", path: "/consumers/g/instances/c", headers: map[string]string{"accept": "x"}}},
		{name: "several -d are joined with &", words: "h/x -d a=1 --data b=2",
			want: want{method: "POST", scheme: "http", authority: "h", path: "/x", body: "a=1&b=2",
				headers: map[string]string{"accept": "*/*", "content-type": "application/x-www-form-urlencoded"}}},
		{name: "-d @file drops newlines", words: "h/x -H 'content-type: application/json' -d @" + body,
			want: want{method: "POST", scheme: "http", authority: "h", path: "/x", body: `{"a": 1}`,
				headers: map[string]string{"accept": "*/*", "content-type": "application/json"}}},
		{name: "--data-binary @file keeps them", words: "h/x --data-binary @" + body,
			want: want{method: "POST", scheme: "http", authority: "h", path: "/x", body: "{\"a\":\r\n 1}\n",
				headers: map[string]string{"accept": "*/*", "content-type": "application/x-www-form-urlencoded"}}},
		{name: "--data-raw takes @ literally", words: "h/x --data-raw @me",
			want: want{method: "POST", scheme: "http", authority: "h", path: "/x", body: "@me",
				headers: map[string]string{"accept": "*/*", "content-type": "application/x-www-form-urlencoded"}}},
		{name: "--json sets both JSON headers", words: `--json '{"a":1}' --url http://h/x`,
			want: want{method: "POST", scheme: "http", authority: "h", path: "/x", body: `{"a":1}`,
				headers: map[string]string{"accept": "application/json", "content-type": "application/json"}}},
		{name: "repeated headers are joined; Host is the authority", words: "-H 'X-A: 1' -H 'x-a: 2' -H 'Host: gw.example' http://h/x",
			want: want{method: "GET", scheme: "http", authority: "gw.example", path: "/x", headers: map[string]string{"accept": "*/*", "x-a": "1,2"}}},
		{name: "output options are ignored", words: "-o /dev/null -w '%{http_code}' --max-time 3 http://h/x",
			want: want{method: "GET", scheme: "http", authority: "h", path: "/x", headers: map[string]string{"accept": "*/*"}}},
		{name: "no URL", words: "-s -X GET", wantErr: "curl: no URL"},
		{name: "two URLs", words: "http://h/a http://h/b", wantErr: `a second URL "http://h/b"`},
		{name: "an option eval does not know", words: "-F a=b http://h/x", wantErr: "option -F is not supported"},
		{name: "an unknown short flag in a group", words: "-sZ http://h/x", wantErr: "option -Z (in -sZ) is not supported"},
		{name: "a value missing", words: "http://h/x -H", wantErr: "option -H needs a value"},
		{name: "-u without a password", words: "-u demo http://h/x", wantErr: "give user:password"},
		{name: "a header without a colon", words: "-H nonsense http://h/x", wantErr: `header "nonsense": want Name: value`},
		{name: "a missing data file", words: "http://h/x -d @" + filepath.Join(dir, "nope"), wantErr: "no such file"},
		{name: "not http", words: "ftp://h/x", wantErr: "want http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, err := shellWords(tt.words)
			if err != nil {
				t.Fatal(err)
			}
			req, err := parseCurl(words)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseCurl = %+v, %v; want an error containing %q", req, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{method: req.method, scheme: req.scheme, authority: req.gatewayRequest("id").Authority, path: req.path, headers: req.headers, body: string(req.body)}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}
