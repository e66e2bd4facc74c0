// Package identity turns a request's credentials into its Caller: API keys
// sent as HTTP Basic (as Confluent Cloud does), checked against a file of
// hashed secrets; JWT claims that Envoy's jwt_authn filter verified; and the
// client certificate Envoy validated (mTLS, SPIFFE ids). A request without
// credentials is anonymous, and the policy decides what anonymous callers may
// do. The package never parses a token nor a certificate itself: it trusts
// only what Envoy verified.
package identity

import "strings"

// Principal types, as the policy input names them. A caller's type is the
// first of api_key, jwt, mtls that it proved (see Caller.Sources).
const (
	TypeAnonymous = "anonymous"
	TypeAPIKey    = "api_key"
	TypeJWT       = "jwt"
	TypeMTLS      = "mtls"
)

// Principal names who is calling: the primary identity. It is comparable, so
// it can own things (a consumer instance belongs to the principal that
// created it).
type Principal struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Anonymous is the principal of a request without credentials.
var Anonymous = Principal{Type: TypeAnonymous, ID: "anonymous"}

// Authenticated reports whether the principal proved an identity.
func (p Principal) Authenticated() bool { return p.Type != TypeAnonymous }

// Caller is everything a request proved about who sends it.
type Caller struct {
	// Principal is the primary identity: the first of Sources, or Anonymous.
	Principal Principal
	// Sources are the types of every identity the request proved, in order
	// of precedence: api_key, jwt, mtls. Empty for an anonymous caller.
	Sources []string
	// Claims are the verified JWT claims; nil without a token.
	Claims map[string]any
	// Groups come from the JWT's groups claim; nil without one.
	Groups []string
	// Peer is the verified client certificate's identity; nil without mTLS.
	Peer *Peer
}

// Credentials are what a protocol adapter (ext_proc, ext_authz) hands over
// for authentication: the Authorization header as sent, and the identities
// Envoy verified before topicgate was asked.
type Credentials struct {
	// Authorization is the Authorization header's value ("" if none).
	Authorization string
	// JWT is the dynamic metadata namespace of Envoy's jwt_authn filter
	// (envoy.filters.http.jwt_authn): each provider's payload_in_metadata
	// key maps to the claims it verified. nil when no token was verified.
	JWT map[string]any
	// Peer is the client certificate Envoy validated; zero without mTLS.
	Peer Peer
}

// Peer is a client certificate's identity, as Envoy reports it. Envoy puts
// the peer's identity in this order of preference (URI SAN, DNS SAN,
// subject), and so does topicgate for the principal's id.
type Peer struct {
	// URISAN is the certificate's first URI SAN: the SPIFFE id under Istio.
	URISAN string `json:"uri_san,omitempty"`
	// DNSSAN is the certificate's first DNS SAN.
	DNSSAN string `json:"dns_san,omitempty"`
	// Subject is the certificate's subject, e.g. "CN=orders-writer,O=shop".
	Subject string `json:"subject,omitempty"`
}

// ID is the peer's identity: its URI SAN, else its DNS SAN, else its
// subject; "" when the certificate named none (or there was none).
func (p Peer) ID() string {
	switch {
	case p.URISAN != "":
		return p.URISAN
	case p.DNSSAN != "":
		return p.DNSSAN
	}
	return p.Subject
}

// SPIFFEID is the URI SAN when it is a SPIFFE id (spiffe://...), else "".
func (p Peer) SPIFFEID() string {
	if strings.HasPrefix(p.URISAN, "spiffe://") {
		return p.URISAN
	}
	return ""
}
