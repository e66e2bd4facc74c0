package stack

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
