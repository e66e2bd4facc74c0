package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/topicgate/topicgate/pkg/identity"
)

type fakeEnv map[string]string

func (e fakeEnv) get(k string) string { return e[k] }

func TestRenderTemplate(t *testing.T) {
	tests := []struct {
		name    string
		tmpl    string
		sets    map[string]string
		env     fakeEnv
		want    string
		wantErr string
	}{
		{name: "from -set", tmpl: "port: ${PORT}", sets: map[string]string{"PORT": "9001"}, want: "port: 9001"},
		{name: "from the environment", tmpl: "port: ${PORT}", env: fakeEnv{"PORT": "9002"}, want: "port: 9002"},
		{name: "-set beats the environment", tmpl: "${PORT}", sets: map[string]string{"PORT": "1"}, env: fakeEnv{"PORT": "2"}, want: "1"},
		{name: "an empty -set still counts", tmpl: "[${PORT:-9}]", sets: map[string]string{"PORT": ""}, env: fakeEnv{"PORT": "2"}, want: "[]"},
		{name: "the default", tmpl: "addr: ${ADDR:-127.0.0.1:9001}", want: "addr: 127.0.0.1:9001"},
		{name: "an empty default", tmpl: "[${X:-}]", want: "[]"},
		{name: "the environment beats the default", tmpl: "${ADDR:-x}", env: fakeEnv{"ADDR": "y"}, want: "y"},
		{name: "an empty variable is unset", tmpl: "${ADDR:-x}", env: fakeEnv{"ADDR": ""}, want: "x"},
		{name: "several placeholders on a line", tmpl: "${A}-${B:-b}-${A}", sets: map[string]string{"A": "a"}, want: "a-b-a"},
		{name: "text that is not a placeholder is kept", tmpl: "$A ${lower} ${1X} $${NOPE:-x}", want: "$A ${lower} ${1X} $x"},
		{name: "missing values are all named, once, sorted", tmpl: "${B} ${A} ${B} ${C:-c}", wantErr: "no value for A, B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env == nil {
				tt.env = fakeEnv{}
			}
			got, err := RenderTemplate(tt.tmpl, tt.sets, tt.env.get)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("RenderTemplate = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("RenderTemplate: %v", err)
			}
			if got != tt.want {
				t.Errorf("RenderTemplate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnvoyConfig(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "envoy.yaml")
	if err := os.WriteFile(tmpl, []byte("listen: ${LISTEN}\nupstream: ${UPSTREAM:-127.0.0.1:9001}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     fakeEnv
		want    string
		wantErr string
	}{
		{name: "rendered", args: []string{"-template", tmpl, "-set", "LISTEN=0.0.0.0:8080"}, want: "listen: 0.0.0.0:8080\nupstream: 127.0.0.1:9001\n"},
		{name: "from the environment", args: []string{"-template", tmpl}, env: fakeEnv{"LISTEN": "x", "UPSTREAM": "y"}, want: "listen: x\nupstream: y\n"},
		{name: "missing value", args: []string{"-template", tmpl}, wantErr: "envoy.yaml: no value for LISTEN"},
		{name: "bad -set", args: []string{"-template", tmpl, "-set", "LISTEN"}, wantErr: `want NAME=VALUE, got "LISTEN"`},
		{name: "missing template", args: []string{"-template", tmpl + ".nope"}, wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if tt.env == nil {
				tt.env = fakeEnv{}
			}
			err := envoyConfig(tt.args, tt.env.get, &stdout, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("envoyConfig = %v, want an error containing %q", err, tt.wantErr)
				}
				if stdout.Len() != 0 {
					t.Errorf("a failed render wrote %q", stdout.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if stdout.String() != tt.want {
				t.Errorf("output %q, want %q", stdout.String(), tt.want)
			}
		})
	}
}

func TestAPIKeyHash(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		secret string // that must verify against the printed hash
		desc   string
	}{
		{name: "secret from the flag", args: []string{"hash", "-id", "demo", "-secret", "s3cret"}, secret: "s3cret"},
		{name: "secret from stdin", args: []string{"hash", "-id", "demo"}, stdin: "from stdin\n", secret: "from stdin"},
		{name: "CRLF and no trailing newline", args: []string{"hash", "-id", "demo", "-description", "ci key"}, stdin: "pa:ss\r\n", secret: "pa:ss", desc: "ci key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := apikey(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr); err != nil {
				t.Fatalf("apikey: %v (stderr %q)", err, stderr.String())
			}
			var entries []identity.KeyEntry
			if err := yaml.Unmarshal(stdout.Bytes(), &entries); err != nil {
				t.Fatalf("output is not YAML: %v\n%s", err, stdout.String())
			}
			if len(entries) != 1 || entries[0].ID != "demo" || entries[0].Description != tt.desc {
				t.Fatalf("entries = %+v, want one for demo described %q", entries, tt.desc)
			}
			// As the comment says: paste the output under keys:.
			var file strings.Builder
			file.WriteString("keys:\n")
			for _, line := range strings.SplitAfter(stdout.String(), "\n") {
				if line != "" {
					file.WriteString("  " + line)
				}
			}
			path := filepath.Join(t.TempDir(), "keys.yaml")
			if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			keys, err := identity.LoadAPIKeys(path)
			if err != nil {
				t.Fatalf("LoadAPIKeys of the pasted output: %v\n%s", err, file.String())
			}
			auth := identity.NewAuthenticator(keys, identity.JWT{})
			basic := func(secret string) identity.Credentials {
				return identity.Credentials{Authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("demo:"+secret))}
			}
			if c, err := auth.Authenticate(basic(tt.secret)); err != nil || c.Principal.ID != "demo" {
				t.Errorf("Authenticate(demo:%s) = %+v, %v; want demo", tt.secret, c, err)
			}
			if _, err := auth.Authenticate(basic(tt.secret + "x")); err == nil {
				t.Errorf("a wrong secret authenticates")
			}
		})
	}
}

func TestAPIKeyHash_Errors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantErr string
	}{
		{name: "no subcommand", args: nil, wantErr: "usage: topicgate apikey hash"},
		{name: "unknown subcommand", args: []string{"list"}, wantErr: "usage: topicgate apikey hash"},
		{name: "no id", args: []string{"hash", "-secret", "s"}, wantErr: "-id is required"},
		{name: "id with a colon", args: []string{"hash", "-id", "a:b", "-secret", "s"}, wantErr: "cannot contain ':'"},
		{name: "no secret anywhere", args: []string{"hash", "-id", "demo"}, stdin: "", wantErr: "no secret"},
		{name: "an empty line is no secret", args: []string{"hash", "-id", "demo"}, stdin: "\n", wantErr: "no secret"},
		{name: "unknown flag", args: []string{"hash", "-nope"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := apikey(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("apikey = %v, want an error containing %q", err, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("a failed hash wrote %q", stdout.String())
			}
		})
	}
}

func TestMain_Commands(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantOut    string // exact stdout
		wantErr    string
		wantStderr string // a part of stderr
	}{
		{name: "version", args: []string{"version"}, wantOut: "topicgate " + Version + "\n"},
		{name: "help", args: []string{"help"}, wantOut: usage},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`, wantStderr: "Usage:"},
		{name: "serve -h is not an error", args: []string{"serve", "-h"}, wantStderr: "-policy-dir"},
		{name: "flags alone mean serve", args: []string{"-h"}, wantStderr: "-bootstrap-servers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Main(context.Background(), tt.args, &stdout, &stderr)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Main = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Main: %v", err)
			}
			if tt.wantErr == "" && stdout.String() != tt.wantOut {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
