package stack

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Issuer signs test JWTs (ES256) the way an identity provider would, and
// publishes its public key as a JWKS for Envoy's jwt_authn.
type Issuer struct {
	Issuer   string // the iss of its tokens
	Audience string // the aud of its tokens
	KeyID    string
	key      *ecdsa.PrivateKey
}

// NewIssuer makes an issuer with a new P-256 key.
func NewIssuer(issuer, audience string) (*Issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	kid := sha256.Sum256(pub)
	return &Issuer{Issuer: issuer, Audience: audience, KeyID: b64(kid[:8]), key: key}, nil
}

// JWKS is the JSON Web Key Set holding the issuer's public key (RFC 7517).
func (i *Issuer) JWKS() ([]byte, error) {
	pub, err := i.key.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	x, y := pub[1:33], pub[33:65]
	return json.MarshalIndent(map[string]any{"keys": []any{map[string]string{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": i.KeyID, "x": b64(x), "y": b64(y),
	}}}, "", "  ")
}

// Token signs a JWT with claims. iss, aud, iat and exp (in an hour) are
// added unless claims has them; a claim set to nil is left out.
func (i *Issuer) Token(claims map[string]any) (string, error) {
	now := time.Now()
	all := map[string]any{"iss": i.Issuer, "aud": i.Audience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	header, err := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": i.KeyID})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(all)
	if err != nil {
		return "", fmt.Errorf("claims: %w", err)
	}
	signed := b64(header) + "." + b64(payload)
	digest := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, i.key, digest[:])
	if err != nil {
		return "", err
	}
	// JWS ES256 signatures are R || S, each 32 bytes big-endian (RFC 7518 3.4).
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
