package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/policy"
)

// evalRequest is the request policy eval evaluates, from a request file or
// a curl command.
type evalRequest struct {
	method, scheme, authority, path string // path with its query, as sent
	host                            string // a Host header, which is the authority
	headers                         map[string]string
	body                            []byte
	source                          string
	principal                       *identity.Caller // trusted, from the file
	cluster                         *policy.Cluster  // from the file
}

// requestFile is the YAML (or JSON) form of a request.
type requestFile struct {
	Method        string         `yaml:"method"`
	URL           string         `yaml:"url"`  // http://host/path?query
	Path          string         `yaml:"path"` // or the path (and query) alone
	Headers       map[string]any `yaml:"headers"`
	Body          yaml.Node      `yaml:"body"`      // a string as sent, or YAML/JSON sent as JSON
	BodyFile      string         `yaml:"body_file"` // relative to the request file
	Principal     *principalArg  `yaml:"principal"` // trusted as is
	Cluster       *clusterArg    `yaml:"cluster"`
	SourceAddress string         `yaml:"source_address"`
}

type clusterArg struct {
	Name string `yaml:"name"`
	ID   string `yaml:"id"`
}

// principalArg is "type:id", "anonymous", or an object with the
// principal's fields ({type, id, ...}).
type principalArg identity.Caller

func (p *principalArg) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		got, err := parsePrincipal(n.Value)
		*p = principalArg(got)
		return err
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	got, err := parsePrincipal(string(b))
	*p = principalArg(got)
	return err
}

// parsePrincipal reads -principal: "type:id", "anonymous", or a JSON object
// of the principal as the policy sees it, for callers with more than a type
// and an id: {"type", "id", "sources", "groups", "claims", "peer":
// {"uri_san", "dns_san", "subject"}}. Without "sources", the type is the
// only source.
func parsePrincipal(s string) (identity.Caller, error) {
	var c identity.Caller
	switch {
	case strings.HasPrefix(strings.TrimSpace(s), "{"):
		var p policy.Principal // spiffe_id is taken from peer, as topicgate takes it
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return c, fmt.Errorf("principal %s: %w", s, err)
		}
		c = identity.Caller{Principal: identity.Principal{Type: p.Type, ID: p.ID}, Sources: p.Sources,
			Groups: p.Groups, Claims: p.Claims, Peer: p.Peer}
	case s == identity.TypeAnonymous:
		return identity.Caller{Principal: identity.Anonymous}, nil
	default:
		typ, id, ok := strings.Cut(s, ":")
		if !ok || typ == "" || id == "" {
			return c, fmt.Errorf("principal %q: want type:id (e.g. api_key:demo), anonymous, or a JSON object", s)
		}
		c.Principal = identity.Principal{Type: typ, ID: id}
	}
	if c.Principal.Type == "" || c.Principal.ID == "" {
		return c, fmt.Errorf("principal %s: type and id are required", s)
	}
	if c.Sources == nil && c.Principal.Type != identity.TypeAnonymous {
		c.Sources = []string{c.Principal.Type}
	}
	return c, nil
}

// readRequest reads REQUEST: the words of a curl command (one argument
// holding the whole line, or the words after "curl"), "-" for a request
// file on standard input, or the path of a request file.
func readRequest(args []string) (*evalRequest, error) {
	if len(args) == 0 {
		return nil, errors.New("name a request: a request file, or a curl command")
	}
	if args[0] == "curl" {
		return parseCurl(args[1:])
	}
	if len(args) > 1 {
		return nil, fmt.Errorf("one request at a time: %q", args)
	}
	if strings.HasPrefix(strings.TrimSpace(args[0]), "curl ") {
		words, err := shellWords(args[0])
		if err != nil {
			return nil, fmt.Errorf("curl command: %w", err)
		}
		return parseCurl(words[1:])
	}
	var raw []byte
	var err error
	dir := "."
	if args[0] == "-" {
		raw, err = readAllStdin()
	} else {
		raw, err = os.ReadFile(args[0])
		dir = filepath.Dir(args[0])
	}
	if err != nil {
		return nil, err
	}
	req, err := parseRequestFile(raw, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", args[0], err)
	}
	return req, nil
}

func readAllStdin() ([]byte, error) { return io.ReadAll(os.Stdin) }

func parseRequestFile(raw []byte, dir string) (*evalRequest, error) {
	var f requestFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	req := &evalRequest{method: strings.ToUpper(f.Method), headers: map[string]string{}, source: f.SourceAddress}
	if req.method == "" {
		req.method = "GET"
	}
	switch {
	case f.URL != "" && f.Path != "":
		return nil, errors.New("give url or path, not both")
	case f.URL != "":
		if err := req.setURL(f.URL); err != nil {
			return nil, err
		}
	case strings.HasPrefix(f.Path, "/"):
		req.scheme, req.authority, req.path = "http", "localhost", f.Path
	default:
		return nil, errors.New("path: give the request's path, starting with /, or a url")
	}
	for name, v := range f.Headers {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case int, float64, bool:
			s = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("header %s: want a string, got %T", name, v)
		}
		if err := req.addHeader(name + ": " + s); err != nil {
			return nil, err
		}
	}
	switch {
	case f.BodyFile != "" && !f.Body.IsZero():
		return nil, errors.New("give body or body_file, not both")
	case f.BodyFile != "":
		path := f.BodyFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		req.body = b
	case f.Body.Kind == yaml.ScalarNode && f.Body.Tag == "!!str":
		req.body = []byte(f.Body.Value)
	case !f.Body.IsZero():
		var v any
		if err := f.Body.Decode(&v); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		req.body = b
	}
	if f.Principal != nil {
		p := identity.Caller(*f.Principal)
		req.principal = &p
	}
	if f.Cluster != nil {
		req.cluster = &policy.Cluster{Name: f.Cluster.Name, ID: f.Cluster.ID}
	}
	return req, nil
}

// setURL takes the scheme, authority and path (with query) of an http(s)
// URL; a URL without a scheme is http, as for curl.
func (r *evalRequest) setURL(raw string) error {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q: want http or https", raw)
	}
	r.scheme, r.authority, r.path = u.Scheme, u.Host, u.EscapedPath()
	if r.path == "" {
		r.path = "/"
	}
	if u.RawQuery != "" {
		r.path += "?" + u.RawQuery
	}
	return nil
}

// addHeader adds "Name: value". As in HTTP, names are case-insensitive and
// a repeated header's values are joined with ",".
func (r *evalRequest) addHeader(h string) error {
	name, value, ok := strings.Cut(h, ":")
	name = strings.ToLower(strings.TrimSpace(name))
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return fmt.Errorf("header %q: want Name: value", h)
	}
	value = strings.TrimSpace(value)
	if name == "host" {
		r.host = value
		return nil
	}
	if old, ok := r.headers[name]; ok {
		value = old + "," + value
	}
	r.headers[name] = value
	return nil
}

// gatewayRequest is the request as Envoy would hand it to topicgate: the
// pseudo-headers, x-forwarded-proto, x-request-id and content-length.
// Envoy's own other headers are not invented.
func (r *evalRequest) gatewayRequest(id string) *gateway.Request {
	authority := r.authority
	if r.host != "" {
		authority = r.host
	}
	h := make(map[string]string, len(r.headers)+6)
	for k, v := range r.headers {
		h[k] = v
	}
	h[":method"], h[":path"], h[":scheme"], h[":authority"] = r.method, r.path, r.scheme, authority
	h["x-forwarded-proto"] = r.scheme
	if _, ok := h["x-request-id"]; !ok {
		h["x-request-id"] = id
	}
	if len(r.body) > 0 {
		h["content-length"] = strconv.Itoa(len(r.body))
	}
	return &gateway.Request{
		ID: h["x-request-id"], Method: r.method, Path: r.path, Scheme: r.scheme, Authority: authority,
		Headers: h, Source: r.source, EndOfStream: len(r.body) == 0,
		Credentials: identity.Credentials{Authorization: h["authorization"]},
	}
}
