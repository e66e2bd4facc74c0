package stack

import (
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"
)

// The identities the stack's credentials carry: the client certificate's
// SPIFFE id and subject, and the issuer and audience of the tokens Envoy
// accepts.
const (
	ClientSPIFFEID = "spiffe://cluster.local/ns/shop/sa/orders-writer"
	JWTIssuer      = "https://idp.topicgate.test"
	JWTAudience    = "topicgate"
)

// ClientSubject is the client certificate's subject, as Envoy writes it.
const ClientSubject = "CN=orders-writer,O=shop"

// Identities are the credentials the stack generates at start: a CA with
// Envoy's server certificate and a client certificate for the mTLS
// listener, and a JWT issuer whose JWKS Envoy's jwt_authn trusts. Keys stay
// in memory, except the certificates' keys, which Envoy and curl read.
type Identities struct {
	PKI    *PKI
	Client *Cert   // names ClientSPIFFEID and ClientSubject
	Issuer *Issuer // signs tokens Envoy accepts
	Files  IdentityFiles
}

// IdentityFiles are where the credentials were written (PEM and JWKS).
type IdentityFiles struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey, JWKS string
}

// newIdentities generates the stack's credentials into dir/identity.
func newIdentities(dir string) (*Identities, error) {
	dir = filepath.Join(dir, "identity")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := IdentityFiles{
		CA: filepath.Join(dir, "ca.pem"), JWKS: filepath.Join(dir, "jwks.json"),
		ServerCert: filepath.Join(dir, "server.pem"), ServerKey: filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client.pem"), ClientKey: filepath.Join(dir, "client-key.pem"),
	}
	pki, err := NewPKI("topicgate local stack CA")
	if err != nil {
		return nil, err
	}
	server, err := pki.Issue(CertSpec{
		Subject:  pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
	})
	if err != nil {
		return nil, err
	}
	client, err := pki.Issue(CertSpec{
		Subject: pkix.Name{CommonName: "orders-writer", Organization: []string{"shop"}},
		URIs:    []string{ClientSPIFFEID}, Client: true,
	})
	if err != nil {
		return nil, err
	}
	issuer, err := NewIssuer(JWTIssuer, JWTAudience)
	if err != nil {
		return nil, err
	}
	jwks, err := issuer.JWKS()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.CA, pki.CAPEM, 0o644); err != nil {
		return nil, err
	}
	if err := server.Write(f.ServerCert, f.ServerKey); err != nil {
		return nil, err
	}
	if err := client.Write(f.ClientCert, f.ClientKey); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.JWKS, jwks, 0o644); err != nil {
		return nil, err
	}
	return &Identities{PKI: pki, Client: client, Issuer: issuer, Files: f}, nil
}
