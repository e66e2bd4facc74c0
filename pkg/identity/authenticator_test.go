package identity

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// jwtOn is the JWT configuration of the defaults.
var jwtOn = JWT{Enabled: true, PayloadKey: "jwt_payload", IDClaim: "sub", GroupsClaim: "groups", MaxClaimsBytes: 16384}

// verified is jwt_authn's metadata namespace holding claims under the default key.
func verified(claims map[string]any) map[string]any {
	return map[string]any{"jwt_payload": claims}
}

func TestAuthenticator(t *testing.T) {
	keys := loadKeys(t, map[string]string{"demo": "s3cret"})
	alice := map[string]any{"iss": "https://idp.example.com", "sub": "alice", "aud": "topicgate", "exp": 1.7e9, "groups": []any{"orders-writers", "ops"}}
	spiffe := Peer{URISAN: "spiffe://cluster.local/ns/shop/sa/orders-writer", Subject: "CN=orders-writer,O=shop"}
	tests := []struct {
		name  string
		jwt   JWT // zero: jwtOn
		creds Credentials
		want  Caller
		cause string // non-empty: refused with ErrBadCredentials, the cause containing this
	}{
		{name: "no credentials are anonymous", want: Caller{Principal: Anonymous}},
		{
			name:  "verified claims alone are a JWT principal",
			creds: Credentials{JWT: verified(alice)},
			want:  Caller{Principal: Principal{Type: TypeJWT, ID: "alice"}, Sources: []string{"jwt"}, Claims: alice, Groups: []string{"orders-writers", "ops"}},
		},
		{
			name:  "a Bearer token with its verified claims",
			creds: Credentials{Authorization: "Bearer eyJ.x.y", JWT: verified(alice)},
			want:  Caller{Principal: Principal{Type: TypeJWT, ID: "alice"}, Sources: []string{"jwt"}, Claims: alice, Groups: []string{"orders-writers", "ops"}},
		},
		{name: "a Bearer token without verified claims", creds: Credentials{Authorization: "Bearer eyJ.x.y"}, cause: "without claims verified by Envoy's jwt_authn"},
		{name: "the scheme is case-insensitive (jwt_authn's is not)", creds: Credentials{Authorization: "bearer eyJ.x.y"}, cause: "without claims verified"},
		{
			name:  "claims under another provider's key do not count",
			creds: Credentials{Authorization: "Bearer eyJ.x.y", JWT: map[string]any{"other_payload": alice}}, cause: `(metadata key "jwt_payload")`,
		},
		{
			name: "claims under another key are ignored", creds: Credentials{JWT: map[string]any{"other_payload": alice}},
			want: Caller{Principal: Anonymous},
		},
		{name: "JWTs off: claims are ignored", jwt: JWT{PayloadKey: "jwt_payload"}, creds: Credentials{JWT: verified(alice)}, want: Caller{Principal: Anonymous}},
		{name: "JWTs off: a Bearer token is an unsupported scheme", jwt: JWT{PayloadKey: "jwt_payload"}, creds: Credentials{Authorization: "Bearer x", JWT: verified(alice)}, cause: "unsupported authorization scheme"},
		{name: "another scheme", creds: Credentials{Authorization: "Digest username=x"}, cause: "unsupported authorization scheme"},
		{name: "a bare secret is not logged", creds: Credentials{Authorization: "s3cret-token"}, cause: "unsupported authorization scheme"},
		{name: "no sub", creds: Credentials{JWT: verified(map[string]any{"iss": "x"})}, cause: `no "sub" claim that is a non-empty string`},
		{name: "an empty sub", creds: Credentials{JWT: verified(map[string]any{"sub": ""})}, cause: `no "sub" claim`},
		{name: "a number for sub", creds: Credentials{JWT: verified(map[string]any{"sub": 7.0})}, cause: `no "sub" claim`},
		{name: "a payload that is not an object", creds: Credentials{JWT: map[string]any{"jwt_payload": "eyJ"}}, cause: "is a string, not an object"},
		{
			name: "the id from another claim", jwt: JWT{Enabled: true, PayloadKey: "jwt_payload", IDClaim: "email", GroupsClaim: "groups", MaxClaimsBytes: 1000},
			creds: Credentials{JWT: verified(map[string]any{"sub": "1234", "email": "bob@example.com"})},
			want:  Caller{Principal: Principal{Type: TypeJWT, ID: "bob@example.com"}, Sources: []string{"jwt"}, Claims: map[string]any{"sub": "1234", "email": "bob@example.com"}},
		},
		{
			name: "groups as a string of names, as scope is", jwt: JWT{Enabled: true, PayloadKey: "jwt_payload", IDClaim: "sub", GroupsClaim: "scope", MaxClaimsBytes: 1000},
			creds: Credentials{JWT: verified(map[string]any{"sub": "svc", "scope": "orders:write  orders:read"})},
			want:  Caller{Principal: Principal{Type: TypeJWT, ID: "svc"}, Sources: []string{"jwt"}, Claims: map[string]any{"sub": "svc", "scope": "orders:write  orders:read"}, Groups: []string{"orders:write", "orders:read"}},
		},
		{
			name: "no groups claim read when its name is empty", jwt: JWT{Enabled: true, PayloadKey: "jwt_payload", IDClaim: "sub", MaxClaimsBytes: 1000},
			creds: Credentials{JWT: verified(map[string]any{"sub": "svc", "groups": 3.0})},
			want:  Caller{Principal: Principal{Type: TypeJWT, ID: "svc"}, Sources: []string{"jwt"}, Claims: map[string]any{"sub": "svc", "groups": 3.0}},
		},
		{name: "groups holding a number", creds: Credentials{JWT: verified(map[string]any{"sub": "a", "groups": []any{"x", 1.0}})}, cause: `"groups" claim must hold strings, its item 1 is a number`},
		{name: "groups as an object", creds: Credentials{JWT: verified(map[string]any{"sub": "a", "groups": map[string]any{}})}, cause: "must be a string or an array of strings, got an object"},
		{
			name: "claims over the size bound", jwt: JWT{Enabled: true, PayloadKey: "jwt_payload", IDClaim: "sub", MaxClaimsBytes: 100},
			creds: Credentials{JWT: verified(map[string]any{"sub": "a", "pad": strings.Repeat("x", 200)})}, cause: "the JWT claims are over 100 bytes",
		},
		{
			name:  "a client certificate's SPIFFE id",
			creds: Credentials{Peer: spiffe},
			want:  Caller{Principal: Principal{Type: TypeMTLS, ID: spiffe.URISAN}, Sources: []string{"mtls"}, Peer: &spiffe},
		},
		{
			name:  "a certificate without URI SAN is named by its DNS SAN",
			creds: Credentials{Peer: Peer{DNSSAN: "orders.shop.svc", Subject: "CN=orders"}},
			want:  Caller{Principal: Principal{Type: TypeMTLS, ID: "orders.shop.svc"}, Sources: []string{"mtls"}, Peer: &Peer{DNSSAN: "orders.shop.svc", Subject: "CN=orders"}},
		},
		{
			name:  "else by its subject",
			creds: Credentials{Peer: Peer{Subject: "CN=orders,O=shop"}},
			want:  Caller{Principal: Principal{Type: TypeMTLS, ID: "CN=orders,O=shop"}, Sources: []string{"mtls"}, Peer: &Peer{Subject: "CN=orders,O=shop"}},
		},
		{
			name:  "JWT and mTLS: the JWT is the principal, both are sources",
			creds: Credentials{JWT: verified(alice), Peer: spiffe},
			want:  Caller{Principal: Principal{Type: TypeJWT, ID: "alice"}, Sources: []string{"jwt", "mtls"}, Claims: alice, Groups: []string{"orders-writers", "ops"}, Peer: &spiffe},
		},
		{
			name:  "all three: the API key is the principal",
			creds: Credentials{Authorization: basic("demo", "s3cret"), JWT: verified(alice), Peer: spiffe},
			want:  Caller{Principal: Principal{Type: TypeAPIKey, ID: "demo"}, Sources: []string{"api_key", "jwt", "mtls"}, Claims: alice, Groups: []string{"orders-writers", "ops"}, Peer: &spiffe},
		},
		{name: "a wrong secret is refused even with a good certificate", creds: Credentials{Authorization: basic("demo", "nope"), Peer: spiffe}, cause: `wrong secret or unknown key "demo"`},
		{name: "bad claims are refused even with a good API key", creds: Credentials{Authorization: basic("demo", "s3cret"), JWT: verified(map[string]any{})}, cause: `no "sub" claim`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.jwt
			if cfg == (JWT{}) {
				cfg = jwtOn
			}
			got, err := NewAuthenticator(keys, cfg).Authenticate(tt.creds)
			if tt.cause != "" {
				wantBadCredentials(t, err)
				if err == nil || !strings.Contains(err.Error(), tt.cause) {
					t.Errorf("error %v, want its cause to contain %q", err, tt.cause)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate failed: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("caller mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticator_NoKeys(t *testing.T) {
	a := NewAuthenticator(nil, jwtOn)
	_, err := a.Authenticate(Credentials{Authorization: basic("demo", "s3cret")})
	wantBadCredentials(t, err)
	got, err := a.Authenticate(Credentials{JWT: verified(map[string]any{"sub": "alice"})})
	if err != nil || got.Principal != (Principal{Type: TypeJWT, ID: "alice"}) {
		t.Errorf("Authenticate(claims) = %+v, %v; want the JWT principal without any keys", got, err)
	}
}

func TestAuthenticator_Challenge(t *testing.T) {
	if got, want := NewAuthenticator(nil, JWT{}).Challenge(), `Basic realm="topicgate"`; got != want {
		t.Errorf("JWTs off: Challenge() = %q, want %q", got, want)
	}
	if got, want := NewAuthenticator(nil, jwtOn).Challenge(), `Basic realm="topicgate", Bearer realm="topicgate"`; got != want {
		t.Errorf("JWTs on: Challenge() = %q, want %q", got, want)
	}
}

// jsonSize is the length of the JSON encoding for values without escapes,
// and stops early past the limit.
func TestJSONSize(t *testing.T) {
	values := []any{
		nil, true, false, 0.0, 1.5, 1.7e9, -3.0, "", "abc",
		[]any{}, []any{"a", 1.0, nil},
		map[string]any{},
		map[string]any{"sub": "alice", "groups": []any{"a", "b"}, "nested": map[string]any{"x": true, "y": []any{map[string]any{}}}},
	}
	for _, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want := len(b)
		if n, over := jsonSize(v, 1<<20); n != want || over {
			t.Errorf("jsonSize(%s) = %d, %v; want %d, false", b, n, over, want)
		}
		if want > 0 {
			if _, over := jsonSize(v, want-1); !over {
				t.Errorf("jsonSize(%s) with limit %d is not over", b, want-1)
			}
		}
	}
	big := make([]any, 100000)
	for i := range big {
		big[i] = "0123456789"
	}
	if n, over := jsonSize(big, 1000); !over || n > 1013 {
		t.Errorf("jsonSize of a 1.2 MB array with limit 1000 = %d, %v; want over, stopping near the limit", n, over)
	}
}

func TestErrBadCredentials_IsA401(t *testing.T) {
	var ae *apierr.Error
	if !errors.As(ErrBadCredentials.Wrap(errors.New("x")), &ae) || ae.Status != http.StatusUnauthorized || ae.Code != 40101 {
		t.Errorf("ErrBadCredentials = %+v, want 401/40101", ae)
	}
}

// A JWT caller over a client certificate: the claims are walked for their
// size and read for id and groups on every request.
func BenchmarkAuthenticateJWTAndMTLS(b *testing.B) {
	a := NewAuthenticator(nil, jwtOn)
	creds := Credentials{
		Authorization: "Bearer eyJ.x.y",
		JWT: verified(map[string]any{
			"iss": "https://idp.example.com", "sub": "orders-app", "aud": "topicgate", "iat": 1.7799e9, "exp": 1.78e9,
			"groups": []any{"orders-writers", "ops", "readers"}, "tenant": map[string]any{"id": "t-7", "tier": "gold"},
		}),
		Peer: Peer{URISAN: "spiffe://cluster.local/ns/shop/sa/orders-writer", Subject: "CN=orders-writer,O=shop"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(creds); err != nil {
			b.Fatal(err)
		}
	}
}

// Whatever the client put in the header, the refusal's cause (which goes
// to the log) does not repeat it.
func TestAuthenticator_CauseHidesTheHeader(t *testing.T) {
	a := NewAuthenticator(loadKeys(t, map[string]string{"demo": "s3cret"}), jwtOn)
	for _, h := range []string{"s3cret-token", "Token s3cret-token", "Basic " + strings.Repeat("s3cret", 3), basic("demo", "s3cret-guess")} {
		_, err := a.Authenticate(Credentials{Authorization: h})
		if err == nil {
			t.Fatalf("%q authenticated", h)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the cause of refusing %q shows the secret: %v", h, err)
		}
	}
}
