package identity

import (
	"errors"
	"fmt"
	"strings"
)

// Authenticator turns a request's Credentials into its Caller: an API key
// (Basic), verified JWT claims and a verified client certificate, each when
// present. It is safe for concurrent use.
type Authenticator struct {
	keys      *APIKeys
	jwt       JWT
	challenge string
}

// NewAuthenticator returns an Authenticator over a key set (nil: no keys)
// and the JWT settings.
func NewAuthenticator(keys *APIKeys, jwt JWT) *Authenticator {
	a := &Authenticator{keys: keys, jwt: jwt, challenge: `Basic realm="topicgate"`}
	if jwt.Enabled {
		a.challenge += `, Bearer realm="topicgate"`
	}
	return a
}

// Challenge is the WWW-Authenticate value of a 401: the schemes a caller
// may use (Basic, and Bearer when JWTs are enabled).
func (a *Authenticator) Challenge() string { return a.challenge }

// Authenticate checks every credential the request carries and adds each
// identity it proves to the caller, in order of precedence: the API key, the
// JWT, the client certificate. The first is the caller's principal; without
// any the caller is anonymous.
//
// A credential that does not hold is refused (ErrBadCredentials, 401), even
// when another one holds: a wrong secret, an unsupported scheme, a Bearer
// token Envoy did not verify, or verified claims topicgate cannot use (no id,
// malformed groups, over the size bound).
func (a *Authenticator) Authenticate(c Credentials) (Caller, error) {
	var caller Caller
	scheme, cred, _ := strings.Cut(c.Authorization, " ")
	switch {
	case c.Authorization == "":
	case strings.EqualFold(scheme, "basic"):
		if a.keys == nil {
			return Caller{}, ErrBadCredentials.Wrap(errors.New("basic credentials, but no API keys are configured"))
		}
		id, err := a.keys.basic(cred)
		if err != nil {
			return Caller{}, err
		}
		caller.add(Principal{Type: TypeAPIKey, ID: id})
	case strings.EqualFold(scheme, "bearer") && a.jwt.Enabled:
		// The token itself is never read: it counts only through the
		// claims jwt_authn verified, taken below. A token that arrives
		// without them was not verified (jwt_authn is missing, did not
		// match the route, or let it pass unverified).
		if _, ok := c.JWT[a.jwt.PayloadKey]; !ok {
			return Caller{}, ErrBadCredentials.Wrap(fmt.Errorf("a Bearer token arrived without claims verified by Envoy's jwt_authn (metadata key %q)", a.jwt.PayloadKey))
		}
	default:
		// The scheme is not logged: a client that sends a bare secret as
		// the header would have it written to the log.
		return Caller{}, ErrBadCredentials.Wrap(errors.New("unsupported authorization scheme"))
	}
	if raw, ok := c.JWT[a.jwt.PayloadKey]; ok && a.jwt.Enabled {
		claims, id, groups, err := a.jwt.parse(raw)
		if err != nil {
			return Caller{}, ErrBadCredentials.Wrap(err)
		}
		caller.Claims, caller.Groups = claims, groups
		caller.add(Principal{Type: TypeJWT, ID: id})
	}
	if id := c.Peer.ID(); id != "" {
		peer := c.Peer
		caller.Peer = &peer
		caller.add(Principal{Type: TypeMTLS, ID: id})
	}
	if len(caller.Sources) == 0 {
		caller.Principal = Anonymous
	}
	return caller, nil
}

// add records a proved identity; the first becomes the principal.
func (c *Caller) add(p Principal) {
	if len(c.Sources) == 0 {
		c.Principal = p
	}
	c.Sources = append(c.Sources, p.Type)
}
