// Package identity turns a request's credentials into a Principal. Today:
// API keys sent as HTTP Basic (as Confluent Cloud does), checked against a
// file of hashed secrets. A request without credentials is anonymous, and the
// policy decides what anonymous callers may do.
package identity

// Principal types, as the policy input names them.
const (
	TypeAnonymous = "anonymous"
	TypeAPIKey    = "api_key"
)

// Principal is who is calling.
type Principal struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Anonymous is the principal of a request without credentials.
var Anonymous = Principal{Type: TypeAnonymous, ID: "anonymous"}

// Authenticated reports whether the principal proved an identity.
func (p Principal) Authenticated() bool { return p.Type != TypeAnonymous }
