package identity

import (
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func writeKeys(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// loadKeys writes a key file with the given id -> secret pairs and loads it.
func loadKeys(t *testing.T, secrets map[string]string) *APIKeys {
	t.Helper()
	var b strings.Builder
	b.WriteString("keys:\n")
	for id, secret := range secrets {
		b.WriteString("  - id: " + id + "\n    secret_hash: " + fastHash(t, secret) + "\n")
	}
	path := filepath.Join(t.TempDir(), "keys.yaml")
	writeKeys(t, path, b.String())
	k, err := LoadAPIKeys(path)
	if err != nil {
		t.Fatalf("LoadAPIKeys: %v", err)
	}
	return k
}

// authBasic authenticates an Authorization header against k alone.
func authBasic(k *APIKeys, authorization string) (Principal, error) {
	c, err := NewAuthenticator(k, JWT{}).Authenticate(Credentials{Authorization: authorization})
	return c.Principal, err
}

// wantBadCredentials checks err is the 401 every bad credential gets.
func wantBadCredentials(t *testing.T, err error) {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *apierr.Error", err)
	}
	got := struct {
		Status, Code int
		Message      string
		Header       map[string]string
	}{ae.Status, ae.Code, ae.Message, ae.Header}
	want := struct {
		Status, Code int
		Message      string
		Header       map[string]string
	}{http.StatusUnauthorized, 40101, "Authentication failed", nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthenticate(t *testing.T) {
	k := loadKeys(t, map[string]string{"demo": "s3cret", "colon": "pa:ss"})
	if k.Count() != 2 {
		t.Fatalf("Count() = %d, want 2", k.Count())
	}
	demo := Principal{Type: TypeAPIKey, ID: "demo"}
	tests := []struct {
		name          string
		authorization string
		want          Principal // zero: bad credentials
	}{
		{name: "no header is anonymous", authorization: "", want: Anonymous},
		{name: "good key", authorization: basic("demo", "s3cret"), want: demo},
		{name: "scheme is case-insensitive", authorization: "bASIC " + base64.StdEncoding.EncodeToString([]byte("demo:s3cret")), want: demo},
		{name: "spaces around the credentials", authorization: "Basic  " + base64.StdEncoding.EncodeToString([]byte("demo:s3cret")) + " ", want: demo},
		{name: "secret containing a colon", authorization: basic("colon", "pa:ss"), want: Principal{Type: TypeAPIKey, ID: "colon"}},
		{name: "wrong secret", authorization: basic("demo", "wrong")},
		{name: "empty secret", authorization: basic("demo", "")},
		{name: "unknown key", authorization: basic("nobody", "s3cret")},
		{name: "id case matters", authorization: basic("Demo", "s3cret")},
		{name: "empty id", authorization: basic("", "s3cret")},
		{name: "a bearer token while JWTs are off", authorization: "Bearer abc.def.ghi"},
		{name: "scheme only", authorization: "Basic"},
		{name: "not base64", authorization: "Basic ***"},
		{name: "no colon", authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("demos3cret"))},
		{name: "unpadded base64", authorization: "Basic " + base64.RawStdEncoding.EncodeToString([]byte("demo:s3cret"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authBasic(k, tt.authorization)
			if tt.want == (Principal{}) {
				if err == nil {
					t.Fatalf("Authenticate(%q) = %+v, want bad credentials", tt.authorization, got)
				}
				wantBadCredentials(t, err)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate(%q) failed: %v", tt.authorization, err)
			}
			if got != tt.want {
				t.Errorf("Authenticate(%q) = %+v, want %+v", tt.authorization, got, tt.want)
			}
		})
	}
}

func TestAuthenticate_VerifiedCache(t *testing.T) {
	k := loadKeys(t, map[string]string{"demo": "s3cret"})
	steps := []struct {
		name   string
		secret string
		ok     bool
	}{
		{name: "first good secret runs the slow hash", secret: "s3cret", ok: true},
		{name: "second good secret hits the cache", secret: "s3cret", ok: true},
		{name: "a wrong secret after a good one still fails", secret: "guess", ok: false},
		{name: "the good secret still works after a wrong one", secret: "s3cret", ok: true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			_, err := authBasic(k, basic("demo", s.secret))
			if (err == nil) != s.ok {
				t.Fatalf("Authenticate(demo:%s) = %v, want ok=%v", s.secret, err, s.ok)
			}
			set := k.set.Load()
			set.mu.RLock()
			_, cached := set.verified["demo"]
			set.mu.RUnlock()
			if !cached {
				t.Errorf("the verified secret of demo is not cached")
			}
		})
	}
}

func TestLoadAPIKeys_NoFile(t *testing.T) {
	k, err := LoadAPIKeys("")
	if err != nil {
		t.Fatalf("LoadAPIKeys(\"\") failed: %v", err)
	}
	if k.Count() != 0 || k.Path() != "" {
		t.Errorf("Count() = %d, Path() = %q; want 0 and empty", k.Count(), k.Path())
	}
	if p, err := authBasic(k, ""); err != nil || p != Anonymous {
		t.Errorf("Authenticate(\"\") = %+v, %v; want anonymous", p, err)
	}
	_, err = authBasic(k, basic("demo", "s3cret"))
	wantBadCredentials(t, err)
}

func TestLoadAPIKeys_Problems(t *testing.T) {
	good := fastHash(t, "x")
	tests := []struct {
		name    string
		content string // "" with missing: no file at all
		missing bool
		want    []string // parts of the error
	}{
		{name: "missing file", missing: true, want: []string{"reading API keys"}},
		{name: "not YAML", content: "keys: [", want: []string{"parsing API keys"}},
		{name: "keys is not a list", content: "keys: 3", want: []string{"parsing API keys"}},
		{
			name: "every bad entry is reported at once",
			content: "keys:\n" +
				"  - {id: a, secret_hash: '" + good + "'}\n" +
				"  - {id: a, secret_hash: '" + good + "'}\n" +
				"  - {id: b, secret_hash: 'plain-text'}\n" +
				"  - {id: '', secret_hash: '" + good + "'}\n" +
				"  - {id: 'c:d', secret_hash: '" + good + "'}\n" +
				"  - {id: e, secret_hash: 'pbkdf2-sha256$10$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA'}\n",
			want: []string{
				`keys[1]: duplicate id "a"`,
				"keys[2] (b): secret_hash must look like",
				"keys[3]: id must be non-empty",
				"keys[4]: id must be non-empty and contain no ':'",
				"keys[5] (e): secret_hash iterations must be a number of at least 10000",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.yaml")
			if !tt.missing {
				writeKeys(t, path, tt.content)
			}
			k, err := LoadAPIKeys(path)
			if err == nil {
				t.Fatalf("LoadAPIKeys = %d keys, want an error", k.Count())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReload_KeepsLastGoodSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.yaml")
	writeKeys(t, path, "keys:\n  - id: demo\n    secret_hash: "+fastHash(t, "one")+"\n")
	k, err := LoadAPIKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name      string
		content   string // written before Reload; "" removes the file
		wantErr   bool
		wantCount int
		good      string // id:secret that must authenticate after the step
		bad       string // id:secret that must not
	}{
		{name: "invalid YAML keeps the old key", content: "keys: [", wantErr: true, wantCount: 1, good: "demo:one"},
		{name: "a bad hash keeps the old key", content: "keys:\n  - id: demo\n    secret_hash: nope\n", wantErr: true, wantCount: 1, good: "demo:one"},
		{name: "a removed file keeps the old key", content: "", wantErr: true, wantCount: 1, good: "demo:one"},
		{name: "a valid file replaces the set", content: "keys:\n  - id: other\n    secret_hash: " + fastHash(t, "two") + "\n", wantCount: 1, good: "other:two", bad: "demo:one"},
		{name: "a rotated secret replaces the cached one", content: "keys:\n  - id: other\n    secret_hash: " + fastHash(t, "three") + "\n", wantCount: 1, good: "other:three", bad: "other:two"},
		{name: "an empty key list is valid", content: "keys: []\n", wantCount: 0, bad: "other:three"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.content == "" {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			} else {
				writeKeys(t, path, s.content)
			}
			if err := k.Reload(); (err != nil) != s.wantErr {
				t.Fatalf("Reload() = %v, want error %v", err, s.wantErr)
			}
			if k.Count() != s.wantCount {
				t.Errorf("Count() = %d, want %d", k.Count(), s.wantCount)
			}
			if s.good != "" {
				id, secret, _ := strings.Cut(s.good, ":")
				if _, err := authBasic(k, basic(id, secret)); err != nil {
					t.Errorf("%s does not authenticate: %v", s.good, err)
				}
			}
			if s.bad != "" {
				id, secret, _ := strings.Cut(s.bad, ":")
				if _, err := authBasic(k, basic(id, secret)); err == nil {
					t.Errorf("%s still authenticates", s.bad)
				}
			}
		})
	}
}
