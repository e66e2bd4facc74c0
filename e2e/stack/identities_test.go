package stack

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/topicgate/topicgate/pkg/cli"
)

// The shipped envoy.yaml, rendered with the stack's ports and credentials,
// is a config Envoy accepts.
func TestShippedEnvoyConfigValidates(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := Root(wd)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := Install(root)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Root: root, Dir: t.TempDir()}
	if err := o.defaults(); err != nil {
		t.Fatal(err)
	}
	s := &Stack{Opts: o}
	if s.Identities, err = newIdentities(o.Dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.renderEnvoy()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(paths.Envoy, "--mode", "validate", "-c", cfg, "-l", "warn").CombinedOutput()
	if err != nil {
		t.Fatalf("envoy --mode validate: %v\n%s", err, out)
	}
}

// docker-compose.yaml renders the template with the demo credentials of
// examples/demo/identity: Envoy accepts the result, and the certificates
// chain to the demo CA for a good while yet.
func TestDemoCredentials(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := Root(wd)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := Install(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "examples", "demo", "identity")
	tmpl, err := os.ReadFile(filepath.Join(root, "envoy", "envoy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ports := make([]string, 3)
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = strconv.Itoa(p)
	}
	out, err := cli.RenderTemplate(string(tmpl), map[string]string{
		"LISTEN_PORT": ports[0], "TLS_LISTEN_PORT": ports[1], "ADMIN_PORT": ports[2],
		"TLS_CERT_FILE": filepath.Join(dir, "server.pem"), "TLS_KEY_FILE": filepath.Join(dir, "server-key.pem"),
		"TLS_CLIENT_CA_FILE": filepath.Join(dir, "ca.pem"), "JWKS_FILE": filepath.Join(dir, "jwks.json"),
	}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "envoy.yaml")
	if err := os.WriteFile(cfg, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(paths.Envoy, "--mode", "validate", "-c", cfg, "-l", "warn").CombinedOutput(); err != nil {
		t.Fatalf("envoy --mode validate: %v\n%s", err, out)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	for name, usage := range map[string]x509.ExtKeyUsage{"server": x509.ExtKeyUsageServerAuth, "client": x509.ExtKeyUsageClientAuth} {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := pair.Leaf
		opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}, CurrentTime: time.Now().AddDate(1, 0, 0)}
		if _, err := c.Verify(opts); err != nil {
			t.Errorf("%s.pem does not verify against ca.pem a year from now (regenerate with generate.sh): %v", name, err)
		}
	}
}

// The generated credentials fit together: the client certificate chains to
// the CA and names the SPIFFE id; the JWKS holds the issuer's key.
func TestNewIdentities(t *testing.T) {
	ids, err := newIdentities(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	client, err := x509.ParseCertificate(ids.Client.TLS.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Verify(x509.VerifyOptions{Roots: ids.PKI.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the client certificate does not verify against the CA: %v", err)
	}
	if len(client.URIs) != 1 || client.URIs[0].String() != ClientSPIFFEID || client.Subject.String() != ClientSubject {
		t.Errorf("client certificate names %v, %q; want %s, %s", client.URIs, client.Subject, ClientSPIFFEID, ClientSubject)
	}
	raw, err := os.ReadFile(ids.Files.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(raw, &jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0]["kid"] != ids.Issuer.KeyID {
		t.Errorf("JWKS %s (%v): want one key with kid %s", raw, err, ids.Issuer.KeyID)
	}
	for _, f := range []string{ids.Files.CA, ids.Files.ServerCert, ids.Files.ServerKey, ids.Files.ClientCert, ids.Files.ClientKey} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}
