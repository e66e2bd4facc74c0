package policy

import "strings"

// redactedText replaces a secret in a decision line.
const redactedText = "[redacted]"

// secretNameParts mark a header or query parameter whose value is a
// credential, whatever the mode: names containing any of them are redacted.
// The input itself already lacks authorization, proxy-authorization, cookie
// and x-api-key; this also covers what a deployment adds (x-auth-token,
// x-amzn-oidc-data, a forwarded JWT, access_token=...).
var secretNameParts = []string{
	"authorization", "cookie", "token", "secret", "password", "passwd", "api-key", "api_key", "apikey",
	"session", "jwt", "assertion", "credential", "signature", "oidc",
}

// redacted reports whether a value named name must not be logged: its name
// says it is a credential, or it looks like one (a JWT, an HTTP
// credential).
func redacted(name, value string) bool {
	n := strings.ToLower(name)
	for _, p := range secretNameParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return looksLikeCredential(value)
}

// redact returns value, or redactedText when it must not be logged.
func redact(name, value string) string {
	if redacted(name, value) {
		return redactedText
	}
	return value
}

// looksLikeCredential spots credentials by their form, wherever they are
// sent: a JWT (three base64url parts, the first a JSON object: "eyJ"), or
// an HTTP credential ("Bearer ...", "Basic ...").
func looksLikeCredential(v string) bool {
	v = strings.TrimSpace(v)
	lower := strings.ToLower(v)
	for _, scheme := range []string{"bearer ", "basic ", "digest ", "negotiate "} {
		if strings.HasPrefix(lower, scheme) {
			return true
		}
	}
	return strings.Contains(v, "eyJ") && hasJWT(v)
}

// hasJWT reports whether v contains a JWT-shaped token: "eyJ", base64url
// text, a dot, base64url text, a dot.
func hasJWT(v string) bool {
	for i := strings.Index(v, "eyJ"); i >= 0; {
		dots, j := 0, i
		for ; j < len(v) && (isB64URL(v[j]) || v[j] == '.'); j++ {
			if v[j] == '.' {
				dots++
			}
		}
		if dots >= 2 {
			return true
		}
		next := strings.Index(v[i+3:], "eyJ")
		if next < 0 {
			return false
		}
		i += 3 + next
	}
	return false
}

func isB64URL(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '='
}
