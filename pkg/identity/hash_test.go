package identity

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// fastHash is a secret_hash with the fewest iterations parseHash accepts, so
// tests that need many keys stay fast.
func fastHash(t testing.TB, secret string) string {
	t.Helper()
	salt := []byte("0123456789abcdef")
	key, err := pbkdf2.Key(sha256.New, secret, salt, 10_000, 32)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$10000$%s$%s", enc.EncodeToString(salt), enc.EncodeToString(key))
}

func TestHashSecret_RoundTrip(t *testing.T) {
	h, err := HashSecret("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$100000$") {
		t.Errorf("HashSecret = %q, want the pbkdf2-sha256 scheme with 100000 iterations", h)
	}
	parsed, err := parseHash(h)
	if err != nil {
		t.Fatalf("parseHash(HashSecret(...)) failed: %v", err)
	}
	if parsed.iterations != 100_000 || len(parsed.salt) != 16 || len(parsed.key) != 32 {
		t.Errorf("parsed hash has %d iterations, %d-byte salt, %d-byte key; want 100000, 16, 32",
			parsed.iterations, len(parsed.salt), len(parsed.key))
	}
	tests := []struct {
		name   string
		secret string
		want   bool
	}{
		{name: "the secret", secret: "s3cret", want: true},
		{name: "another secret", secret: "s3cret!", want: false},
		{name: "a prefix of it", secret: "s3cre", want: false},
		{name: "empty", secret: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parsed.verify(tt.secret); got != tt.want {
				t.Errorf("verify(%q) = %v, want %v", tt.secret, got, tt.want)
			}
		})
	}
}

func TestHashSecret_SaltsEachHash(t *testing.T) {
	a, errA := HashSecret("same")
	b, errB := HashSecret("same")
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Errorf("two hashes of one secret are equal (%q): the salt is not random", a)
	}
}

func TestParseHash(t *testing.T) {
	enc := base64.RawStdEncoding
	salt8, salt4 := enc.EncodeToString([]byte("12345678")), enc.EncodeToString([]byte("1234"))
	key16, key8 := enc.EncodeToString([]byte("0123456789abcdef")), enc.EncodeToString([]byte("01234567"))
	tests := []struct {
		name    string
		in      string
		want    hash
		wantErr string
	}{
		{name: "minimum accepted", in: "pbkdf2-sha256$10000$" + salt8 + "$" + key16,
			want: hash{iterations: 10000, salt: "12345678", key: "0123456789abcdef"}},
		{name: "empty", in: "", wantErr: "must look like"},
		{name: "other scheme", in: "bcrypt$10000$" + salt8 + "$" + key16, wantErr: "must look like"},
		{name: "missing key", in: "pbkdf2-sha256$10000$" + salt8, wantErr: "must look like"},
		{name: "extra part", in: "pbkdf2-sha256$10000$" + salt8 + "$" + key16 + "$x", wantErr: "must look like"},
		{name: "iterations not a number", in: "pbkdf2-sha256$many$" + salt8 + "$" + key16, wantErr: "iterations"},
		{name: "too few iterations", in: "pbkdf2-sha256$9999$" + salt8 + "$" + key16, wantErr: "at least 10000"},
		{name: "salt not base64", in: "pbkdf2-sha256$10000$!!!!$" + key16, wantErr: "salt or key"},
		{name: "padded base64 is not raw base64", in: "pbkdf2-sha256$10000$" + salt8 + "=$" + key16, wantErr: "salt or key"},
		{name: "salt too short", in: "pbkdf2-sha256$10000$" + salt4 + "$" + key16, wantErr: "salt or key"},
		{name: "key too short", in: "pbkdf2-sha256$10000$" + salt8 + "$" + key8, wantErr: "salt or key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHash(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseHash(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseHash(%q) failed: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("parseHash(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPrincipal_Authenticated(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		want bool
	}{
		{name: "anonymous", p: Anonymous, want: false},
		{name: "api key", p: Principal{Type: TypeAPIKey, ID: "demo"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Authenticated(); got != tt.want {
				t.Errorf("Authenticated() = %v, want %v", got, tt.want)
			}
		})
	}
}
