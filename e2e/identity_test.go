package e2e

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// Callers who prove who they are with a JWT (verified by Envoy's jwt_authn)
// or a client certificate (Envoy's mTLS listener). The rules are in
// testdata/policy/identity.rego.

// idCall is one request of these tests: over the plain listener, or over
// the mTLS listener with tlsCert (nil: no certificate), with an optional
// Authorization header.
type idCall struct {
	tls           bool
	cert          *tls.Certificate
	authorization string
	method, path  string
	body          string
}

func (c idCall) do(t *testing.T) (reply, error) {
	t.Helper()
	base, hc := st.URL, client
	if c.tls {
		cfg := &tls.Config{RootCAs: st.Identities.PKI.Pool()}
		if c.cert != nil {
			cfg.Certificates = []tls.Certificate{*c.cert}
		}
		base, hc = st.TLSURL, &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
		defer hc.CloseIdleConnections()
	}
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.authorization != "" {
		req.Header.Set("Authorization", c.authorization)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	covered(t.Name(), c.method, c.path, resp.StatusCode)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// mustDo sends the request and fails the test if no HTTP answer came.
func (c idCall) mustDo(t *testing.T) reply {
	t.Helper()
	r, err := c.do(t)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	return r
}

// token signs claims with the stack's issuer (the one Envoy trusts).
func token(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok, err := st.Identities.Issuer.Token(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func bearer(tok string) string { return "Bearer " + tok }

// ordersWriter is a token of the group orders-writers.
func ordersWriter(t *testing.T) string {
	return token(t, map[string]any{"sub": "orders-app", "groups": []string{"orders-writers"}})
}

func record(data string) string {
	return `{"value":{"type":"STRING","data":"` + data + `"}}`
}

// wantRecords checks that a topic holds exactly these values, in order.
func wantRecords(t *testing.T, topic string, values ...string) {
	t.Helper()
	var got []string
	for _, m := range readTopic(t, topic) {
		got = append(got, string(m.Value))
	}
	if strings.Join(got, "|") != strings.Join(values, "|") {
		t.Errorf("topic %s holds %q, want %q", topic, got, values)
	}
}

// wantTokenRefused checks Envoy's refusal of a token: 401 in the API's
// error shape, asking for a valid Bearer token.
func wantTokenRefused(t *testing.T, r reply, why string) {
	t.Helper()
	e := wantError(t, r, http.StatusUnauthorized, 40101)
	if !strings.Contains(e.Message, why) {
		t.Errorf("message %q does not say %q", e.Message, why)
	}
	if got := r.Header.Get("Www-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
	}
}

func TestIdentityJWT(t *testing.T) {
	produceTo := func(topic, auth, value string) reply {
		return idCall{authorization: auth, method: "POST", path: v3("/topics/" + topic + "/records"), body: record(value)}.mustDo(t)
	}
	// The right names, another key: once under its own key id, once under
	// the trusted key's.
	forger, err := stack.NewIssuer(stack.JWTIssuer, stack.JWTAudience)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"sub": "orders-app", "groups": []string{"orders-writers"}}
	unknownKey, err := forger.Token(claims)
	if err != nil {
		t.Fatal(err)
	}
	forger.KeyID = st.Identities.Issuer.KeyID
	forged, err := forger.Token(claims)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a JWT of orders-writers may produce", func(t *testing.T) {
		rs := results(t, produceTo("identity-jwt", bearer(ordersWriter(t)), "by jwt"))
		if len(rs) != 1 || rs[0].ErrorCode != 200 {
			t.Fatalf("results %+v", rs)
		}
	})
	t.Run("a JWT of another group is forbidden", func(t *testing.T) {
		tok := token(t, map[string]any{"sub": "reporting", "groups": []string{"readers"}})
		e := wantError(t, produceTo("identity-jwt", bearer(tok), "denied"), http.StatusForbidden, 40301)
		if !strings.Contains(e.Message, "reporting may not WRITE identity-jwt") {
			t.Errorf("message %q does not name the principal", e.Message)
		}
	})
	refused := []struct {
		name, auth, why string
	}{
		{"a token signed by an unknown key", bearer(unknownKey), "Jwks doesn't have key to match kid or alg from Jwt"},
		{"a forged token (the trusted key's id, another key)", bearer(forged), "Jwt verification fails"},
		{"an expired token", bearer(token(t, map[string]any{"sub": "orders-app", "groups": []string{"orders-writers"}, "exp": time.Now().Add(-time.Hour).Unix()})), "Jwt is expired"},
		{"a token for another audience", bearer(token(t, map[string]any{"sub": "orders-app", "groups": []string{"orders-writers"}, "aud": "billing"})), "Audiences in Jwt are not allowed"},
		{"a token from another issuer", bearer(token(t, map[string]any{"sub": "orders-app", "groups": []string{"orders-writers"}, "iss": "https://evil.example.com"})), "Jwt issuer is not configured"},
		{"a token that is not a JWT", "Bearer abc", "Jwt is not in the form of Header.Payload.Signature"},
	}
	for _, tc := range refused {
		t.Run(tc.name+" is refused by Envoy", func(t *testing.T) {
			wantTokenRefused(t, produceTo("identity-jwt", tc.auth, "refused"), tc.why)
		})
	}
	// jwt_authn looks for "Bearer " exactly; HTTP schemes are
	// case-insensitive, so this token reaches topicgate unverified.
	t.Run("a token Envoy did not verify is refused by topicgate", func(t *testing.T) {
		r := produceTo("identity-jwt", "bearer "+ordersWriter(t), "unverified")
		wantError(t, r, http.StatusUnauthorized, 40101)
		if got, want := r.Header.Get("Www-Authenticate"), `Basic realm="topicgate", Bearer realm="topicgate"`; got != want {
			t.Errorf("WWW-Authenticate %q, want %q", got, want)
		}
	})
	wantRecords(t, "identity-jwt", "by jwt")
}

func TestIdentityMTLS(t *testing.T) {
	ids := st.Identities
	produceTo := func(cert *tls.Certificate, topic, value string) (reply, error) {
		return idCall{tls: true, cert: cert, method: "POST", path: v3("/topics/" + topic + "/records"), body: record(value)}.do(t)
	}
	other, err := ids.PKI.Issue(stack.CertSpec{
		Subject: pkix.Name{CommonName: "billing"}, URIs: []string{"spiffe://cluster.local/ns/billing/sa/billing"}, Client: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := ids.PKI.Issue(stack.CertSpec{
		Subject: pkix.Name{CommonName: "orders-writer"}, URIs: []string{stack.ClientSPIFFEID}, Client: true, NotAfter: time.Now().Add(-time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	strangers, err := stack.NewPKI("another CA")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := strangers.Issue(stack.CertSpec{Subject: pkix.Name{CommonName: "orders-writer"}, URIs: []string{stack.ClientSPIFFEID}, Client: true})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the orders-writer's certificate may produce", func(t *testing.T) {
		r, err := produceTo(&ids.Client.TLS, "identity-mtls", "by mtls")
		if err != nil {
			t.Fatal(err)
		}
		if rs := results(t, r); len(rs) != 1 || rs[0].ErrorCode != 200 {
			t.Fatalf("results %+v", rs)
		}
	})
	t.Run("another workload's certificate is forbidden", func(t *testing.T) {
		r, err := produceTo(&other.TLS, "identity-mtls", "denied")
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r, http.StatusForbidden, 40301)
	})
	t.Run("the orders-writer's certificate is forbidden elsewhere", func(t *testing.T) {
		r, err := produceTo(&ids.Client.TLS, "identity-jwt", "denied")
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r, http.StatusForbidden, 40301)
	})
	handshakeFails := []struct {
		name string
		cert *tls.Certificate
	}{
		{"no certificate", nil},
		{"a certificate from another CA", &stranger.TLS},
		{"an expired certificate", &expired.TLS},
	}
	for _, tc := range handshakeFails {
		t.Run(tc.name+" is refused in the handshake", func(t *testing.T) {
			r, err := produceTo(tc.cert, "identity-mtls", "refused")
			if err == nil {
				t.Fatalf("answered %d: %s; want the TLS handshake to fail", r.Status, r.Body)
			}
			if !strings.Contains(err.Error(), "tls") {
				t.Errorf("error %v is not a TLS error", err)
			}
		})
	}
	wantRecords(t, "identity-mtls", "by mtls")
}

// principal is input.principal as the policy saw it.
type principal struct {
	Type     string         `json:"type"`
	ID       string         `json:"id"`
	Sources  []string       `json:"sources"`
	Groups   []string       `json:"groups"`
	Claims   map[string]any `json:"claims"`
	SPIFFEID string         `json:"spiffe_id"`
	Peer     *struct {
		URISAN  string `json:"uri_san"`
		Subject string `json:"subject"`
	} `json:"peer"`
}

// whoami produces to identity-whoami as a caller the policy denies (the
// suite's keys other than reader may write anywhere), and the denial carries
// the principal the policy saw in a header.
func whoami(t *testing.T, c idCall) principal {
	t.Helper()
	c.method, c.path, c.body = "POST", v3("/topics/identity-whoami/records"), record("never written")
	r := c.mustDo(t)
	if r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized {
		t.Fatalf("answered %d: %s", r.Status, r.Body)
	}
	var p principal
	if err := json.Unmarshal([]byte(r.Header.Get("X-Identity-Principal")), &p); err != nil {
		t.Fatalf("x-identity-principal %q: %v", r.Header.Get("X-Identity-Principal"), err)
	}
	return p
}

func TestIdentityJWTAndMTLS(t *testing.T) {
	client := &st.Identities.Client.TLS
	writer := bearer(ordersWriter(t))

	t.Run("the policy sees both sources", func(t *testing.T) {
		p := whoami(t, idCall{tls: true, cert: client, authorization: writer})
		if p.Type != "jwt" || p.ID != "orders-app" || strings.Join(p.Sources, ",") != "jwt,mtls" ||
			strings.Join(p.Groups, ",") != "orders-writers" || p.SPIFFEID != stack.ClientSPIFFEID {
			t.Errorf("principal %+v, want the JWT's orders-app, sources jwt and mtls, SPIFFE id %s", p, stack.ClientSPIFFEID)
		}
		if p.Claims["iss"] != stack.JWTIssuer || p.Claims["aud"] != stack.JWTAudience || p.Claims["sub"] != "orders-app" {
			t.Errorf("claims %v, want the token's", p.Claims)
		}
		if p.Peer == nil || p.Peer.URISAN != stack.ClientSPIFFEID || p.Peer.Subject != stack.ClientSubject {
			t.Errorf("peer %+v, want %s and %s", p.Peer, stack.ClientSPIFFEID, stack.ClientSubject)
		}
	})
	t.Run("an API key over mTLS is the principal, the certificate a source", func(t *testing.T) {
		p := whoami(t, idCall{tls: true, cert: client, authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("reader:reader-secret"))})
		if p.Type != "api_key" || p.ID != "reader" || strings.Join(p.Sources, ",") != "api_key,mtls" || p.Claims != nil {
			t.Errorf("principal %+v, want the key reader with sources api_key and mtls, no claims", p)
		}
	})
	t.Run("anonymous over plain HTTP has no sources", func(t *testing.T) {
		p := whoami(t, idCall{})
		if p.Type != "anonymous" || len(p.Sources) != 0 || p.Peer != nil || p.SPIFFEID != "" {
			t.Errorf("principal %+v, want anonymous without sources", p)
		}
	})

	produceTo := func(c idCall, value string) reply {
		c.method, c.path, c.body = "POST", v3("/topics/identity-both/records"), record(value)
		return c.mustDo(t)
	}
	t.Run("the JWT over the certificate may produce", func(t *testing.T) {
		if rs := results(t, produceTo(idCall{tls: true, cert: client, authorization: writer}, "by both")); len(rs) != 1 || rs[0].ErrorCode != 200 {
			t.Fatalf("results %+v", rs)
		}
	})
	t.Run("the JWT alone is forbidden", func(t *testing.T) {
		wantError(t, produceTo(idCall{authorization: writer}, "jwt only"), http.StatusForbidden, 40301)
	})
	t.Run("the certificate alone is forbidden", func(t *testing.T) {
		wantError(t, produceTo(idCall{tls: true, cert: client}, "mtls only"), http.StatusForbidden, 40301)
	})
	wantRecords(t, "identity-both", "by both")
	wantRecords(t, "identity-whoami")
}

// demoReadmeIdentity follows the README's section on identities against
// the demo stack: the token make run prints (group demo) and the generated
// client certificate produce to orders, as the demo policy allows; the
// certificate may not read it.
func demoReadmeIdentity(t *testing.T, demo *stack.Stack, cid string) {
	t.Helper()
	tok, err := demo.Identities.Issuer.Token(map[string]any{"sub": "demo-user", "groups": []string{"demo"}})
	if err != nil {
		t.Fatal(err)
	}
	tlsClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: demo.Identities.PKI.Pool(), Certificates: []tls.Certificate{demo.Identities.Client.TLS},
	}}}
	defer tlsClient.CloseIdleConnections()
	send := func(hc *http.Client, method, url, auth, body string) reply {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	}
	records := "/kafka/v3/clusters/" + cid + "/topics/orders/records"
	if r := send(client, "POST", demo.URL+records, bearer(tok), record("sent with a JWT")); r.Status != 200 {
		t.Errorf("README produce with a JWT: %d %s", r.Status, r.Body)
	}
	if r := send(tlsClient, "POST", demo.TLSURL+records, "", record("sent with a client certificate")); r.Status != 200 {
		t.Errorf("README produce with the client certificate: %d %s", r.Status, r.Body)
	}
	if r := send(tlsClient, "GET", demo.TLSURL+"/kafka/v3/clusters/"+cid+"/topics/orders/partitions/0/records?offset=earliest", "", ""); r.Status != 403 {
		t.Errorf("the client certificate reading orders: %d %s, want 403", r.Status, r.Body)
	}
}
