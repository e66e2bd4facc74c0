package kafkarest

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// wantErr is the part of an *apierr.Error a test pins.
type wantErr struct {
	Status int
	Code   int
	Header map[string]string
}

func asAPIError(t testing.TB, err error) *apierr.Error {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *apierr.Error", err, err)
	}
	return ae
}

func TestMatch_Routes(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		want   Route
	}{
		{
			name: "list clusters under /kafka/v3", method: "GET", path: "/kafka/v3/clusters",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: ListClusters, Operation: OpDescribe, Resource: ResourceCluster, Query: url.Values{}},
		},
		{
			name: "list clusters under /v3", method: "GET", path: "/v3/clusters",
			want: Route{API: "v3", Prefix: "/v3", Action: ListClusters, Operation: OpDescribe, Resource: ResourceCluster, Query: url.Values{}},
		},
		{
			name: "get cluster", method: "GET", path: "/kafka/v3/clusters/lkc-1",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: GetCluster, Operation: OpDescribe, Resource: ResourceCluster, ClusterID: "lkc-1", Query: url.Values{}},
		},
		{
			name: "get cluster under /v3", method: "GET", path: "/v3/clusters/lkc-1",
			want: Route{API: "v3", Prefix: "/v3", Action: GetCluster, Operation: OpDescribe, Resource: ResourceCluster, ClusterID: "lkc-1", Query: url.Values{}},
		},
		{
			name: "list topics", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: ListTopics, Operation: OpDescribe, Resource: ResourceCluster, ClusterID: "lkc-1", Query: url.Values{}},
		},
		{
			name: "list topics under /v3", method: "GET", path: "/v3/clusters/lkc-1/topics",
			want: Route{API: "v3", Prefix: "/v3", Action: ListTopics, Operation: OpDescribe, Resource: ResourceCluster, ClusterID: "lkc-1", Query: url.Values{}},
		},
		{
			name: "get topic", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics/orders",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: GetTopic, Operation: OpDescribe, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "orders", Query: url.Values{}},
		},
		{
			name: "get topic under /v3", method: "GET", path: "/v3/clusters/lkc-1/topics/orders",
			want: Route{API: "v3", Prefix: "/v3", Action: GetTopic, Operation: OpDescribe, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "orders", Query: url.Values{}},
		},
		{
			name: "list partitions", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics/orders/partitions",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: ListPartitions, Operation: OpDescribe, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "orders", Query: url.Values{}},
		},
		{
			name: "list partitions under /v3", method: "GET", path: "/v3/clusters/lkc-1/topics/orders/partitions",
			want: Route{API: "v3", Prefix: "/v3", Action: ListPartitions, Operation: OpDescribe, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "orders", Query: url.Values{}},
		},
		{
			name: "produce reads a body", method: "POST", path: "/kafka/v3/clusters/lkc-1/topics/orders/records",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: Produce, Operation: OpWrite, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "orders", Query: url.Values{}, WantsBody: true},
		},
		{
			name: "produce under /v3", method: "POST", path: "/v3/clusters/lkc-1/topics/orders/records",
			want: Route{API: "v3", Prefix: "/v3", Action: Produce, Operation: OpWrite, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "orders", Query: url.Values{}, WantsBody: true},
		},
		{
			name: "query string is parsed and kept out of the path", method: "GET", path: "/kafka/v3/clusters/lkc-1/topics?include_internal=true&a=1&a=2",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: ListTopics, Operation: OpDescribe, Resource: ResourceCluster, ClusterID: "lkc-1",
				Query: url.Values{"include_internal": {"true"}, "a": {"1", "2"}}},
		},
		{
			name: "percent-encoded topic and cluster are decoded", method: "POST", path: "/kafka/v3/clusters/lkc%2D1/topics/my%2Eorders_v2/records",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: Produce, Operation: OpWrite, Resource: ResourceTopic, ClusterID: "lkc-1", Topic: "my.orders_v2", Query: url.Values{}, WantsBody: true},
		},
		{
			name: "cluster ids are not validated like topics", method: "GET", path: "/kafka/v3/clusters/a%20b",
			want: Route{API: "v3", Prefix: "/kafka/v3", Action: GetCluster, Operation: OpDescribe, Resource: ResourceCluster, ClusterID: "a b", Query: url.Values{}},
		},
		{
			name: "a topic of 249 characters", method: "GET", path: "/v3/clusters/c/topics/" + strings.Repeat("t", 249),
			want: Route{API: "v3", Prefix: "/v3", Action: GetTopic, Operation: OpDescribe, Resource: ResourceTopic, ClusterID: "c", Topic: strings.Repeat("t", 249), Query: url.Values{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Match(tt.method, tt.path)
			if err != nil {
				t.Fatalf("Match(%q, %q) failed: %v", tt.method, tt.path, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Route{}, "Template")); diff != "" {
				t.Errorf("Match(%q, %q) mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

// Every route, filled with values, matches itself and reports its template.
func TestMatch_EveryRouteReportsItsTemplate(t *testing.T) {
	fill := strings.NewReplacer("{cluster_id}", "c1", "{topic_name}", "orders", "{partition_id}", "2",
		"{broker_id}", "1", "{name}", "cleanup.policy", "{consumer_group_id}", "g1", "{consumer_id}", "m1", "{instance}", "i1")
	for _, r := range Routes() {
		got, err := Match(r.Method, fill.Replace(r.Path))
		if err != nil {
			t.Errorf("%s %s: %v", r.Method, r.Path, err)
			continue
		}
		if got.Template != r.Path || got.Action != r.Action || got.API != r.API {
			t.Errorf("%s %s matched %s %s (%s)", r.Method, r.Path, got.API, got.Template, got.Action)
		}
	}
}

func TestMatch_Errors(t *testing.T) {
	notFound := wantErr{Status: http.StatusNotFound, Code: 404}
	badTopic := wantErr{Status: http.StatusBadRequest, Code: 400}
	tests := []struct {
		name   string
		method string
		path   string
		want   wantErr
	}{
		{name: "root", method: "GET", path: "/", want: notFound},
		{name: "empty path", method: "GET", path: "", want: notFound},
		{name: "another API", method: "GET", path: "/kafka/v4/clusters", want: notFound},
		{name: "prefix without separator", method: "GET", path: "/kafka/v3clusters", want: notFound},
		{name: "bare prefix", method: "GET", path: "/kafka/v3", want: notFound},
		{name: "bare prefix with slash", method: "GET", path: "/kafka/v3/", want: notFound},
		{name: "bare /v3 prefix", method: "GET", path: "/v3", want: notFound},
		{name: "unknown collection", method: "GET", path: "/kafka/v3/brokers", want: notFound},
		{name: "unknown sub-resource", method: "GET", path: "/kafka/v3/clusters/c1/topics/orders/acls", want: notFound},
		{name: "unknown v2 path", method: "GET", path: "/brokers", want: notFound},
		{name: "v2 path under v3", method: "GET", path: "/v3/topics", want: notFound},
		{name: "negative partition", method: "GET", path: "/v3/clusters/c1/topics/orders/partitions/-1", want: wantErr{Status: http.StatusBadRequest, Code: 400}},
		{name: "partition not a number", method: "GET", path: "/topics/orders/partitions/one", want: wantErr{Status: http.StatusBadRequest, Code: 400}},
		{name: "partition beyond int32", method: "POST", path: "/topics/orders/partitions/2147483648", want: wantErr{Status: http.StatusBadRequest, Code: 400}},
		{name: "broker id not a number", method: "GET", path: "/v3/clusters/c1/brokers/x", want: wantErr{Status: http.StatusBadRequest, Code: 400}},
		{name: "too deep", method: "POST", path: "/kafka/v3/clusters/c1/topics/orders/records/0", want: notFound},
		{name: "empty segment", method: "GET", path: "/kafka/v3//clusters", want: notFound},
		{name: "empty cluster id", method: "GET", path: "/kafka/v3/clusters//topics", want: notFound},
		{name: "trailing slash", method: "GET", path: "/kafka/v3/clusters/", want: notFound},
		{name: "trailing slash on produce", method: "POST", path: "/kafka/v3/clusters/c1/topics/orders/records/", want: notFound},
		{name: "bad percent-escape", method: "GET", path: "/kafka/v3/clusters/c%zz", want: notFound},
		{name: "truncated percent-escape", method: "GET", path: "/kafka/v3/clusters/c1/topics/orders%2", want: notFound},
		{name: "lone percent sign", method: "GET", path: "/kafka/v3/clusters/%", want: notFound},
		{name: "case matters in literals", method: "GET", path: "/kafka/v3/Clusters", want: notFound},
		{name: "malformed query", method: "GET", path: "/kafka/v3/clusters?a=%zz", want: wantErr{Status: http.StatusBadRequest, Code: 400}},

		{name: "POST on a GET collection", method: "POST", path: "/kafka/v3/clusters",
			want: wantErr{Status: http.StatusMethodNotAllowed, Code: 405, Header: map[string]string{"allow": "GET"}}},
		{name: "PUT a topic", method: "PUT", path: "/v3/clusters/c1/topics/orders",
			want: wantErr{Status: http.StatusMethodNotAllowed, Code: 405, Header: map[string]string{"allow": "DELETE, GET, PATCH"}}},
		{name: "PUT a v2 topic", method: "PUT", path: "/topics/orders",
			want: wantErr{Status: http.StatusMethodNotAllowed, Code: 405, Header: map[string]string{"allow": "GET, POST"}}},
		{name: "GET records", method: "GET", path: "/kafka/v3/clusters/c1/topics/orders/records",
			want: wantErr{Status: http.StatusMethodNotAllowed, Code: 405, Header: map[string]string{"allow": "POST"}}},
		{name: "PUT partitions", method: "PUT", path: "/kafka/v3/clusters/c1/topics/orders/partitions?x=1",
			want: wantErr{Status: http.StatusMethodNotAllowed, Code: 405, Header: map[string]string{"allow": "GET"}}},

		{name: "topic .", method: "GET", path: "/kafka/v3/clusters/c1/topics/.", want: badTopic},
		{name: "topic ..", method: "GET", path: "/kafka/v3/clusters/c1/topics/..", want: badTopic},
		{name: "topic .. percent-encoded", method: "POST", path: "/kafka/v3/clusters/c1/topics/%2E%2E/records", want: badTopic},
		{name: "topic with a space", method: "POST", path: "/kafka/v3/clusters/c1/topics/my%20topic/records", want: badTopic},
		{name: "topic with an encoded slash", method: "GET", path: "/kafka/v3/clusters/c1/topics/a%2Fb/partitions", want: badTopic},
		{name: "topic with non-ASCII", method: "GET", path: "/kafka/v3/clusters/c1/topics/caf%C3%A9", want: badTopic},
		{name: "topic of 250 characters", method: "GET", path: "/v3/clusters/c1/topics/" + strings.Repeat("t", 250), want: badTopic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Match(tt.method, tt.path)
			if err == nil {
				t.Fatalf("Match(%q, %q) = %+v, want an error", tt.method, tt.path, got)
			}
			ae := asAPIError(t, err)
			if diff := cmp.Diff(tt.want, wantErr{Status: ae.Status, Code: ae.Code, Header: ae.Header}); diff != "" {
				t.Errorf("Match(%q, %q) error mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
			if diff := cmp.Diff(Route{}, got); diff != "" {
				t.Errorf("a failed Match returned a route (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateTopicName(t *testing.T) {
	tests := []struct {
		name    string
		topic   string
		wantErr string // "" for a valid name, else a part of the message
	}{
		{name: "one character", topic: "a"},
		{name: "249 characters", topic: strings.Repeat("x", 249)},
		{name: "every allowed character class", topic: "Orders.v2_eu-west-1"},
		{name: "three dots", topic: "..."},
		{name: "leading dot", topic: ".hidden"},
		{name: "leading underscore", topic: "__consumer_offsets"},
		{name: "empty", topic: "", wantErr: "1 to 249 characters long, got 0"},
		{name: "250 characters", topic: strings.Repeat("x", 250), wantErr: "1 to 249 characters long, got 250"},
		{name: "dot", topic: ".", wantErr: `cannot be "."`},
		{name: "dot dot", topic: "..", wantErr: `cannot be ".."`},
		{name: "slash", topic: "a/b", wantErr: "contains a character other than"},
		{name: "space", topic: "a b", wantErr: "contains a character other than"},
		{name: "colon", topic: "a:b", wantErr: "contains a character other than"},
		{name: "plus", topic: "a+b", wantErr: "contains a character other than"},
		{name: "non-ASCII letter", topic: "café", wantErr: "contains a character other than"},
		{name: "NUL byte", topic: "a\x00", wantErr: "contains a character other than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTopicName(tt.topic)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateTopicName(%q) = %v, want nil", tt.topic, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateTopicName(%q) = nil, want an error containing %q", tt.topic, tt.wantErr)
			}
			ae := asAPIError(t, err)
			if ae.Status != http.StatusBadRequest || ae.Code != 400 {
				t.Errorf("status/code = %d/%d, want 400/400", ae.Status, ae.Code)
			}
			if !strings.Contains(ae.Message, tt.wantErr) {
				t.Errorf("message %q does not contain %q", ae.Message, tt.wantErr)
			}
		})
	}
}

// routePath rebuilds a request path for r from the route table, escaping its
// parameters; Match of the result must give r back.
func routePath(r Route) string {
	for _, spec := range v3Routes {
		if spec.action != r.Action {
			continue
		}
		segs := make([]string, len(spec.pattern))
		for i, p := range spec.pattern {
			switch p {
			case "{cluster_id}":
				segs[i] = url.PathEscape(r.ClusterID)
			case "{topic_name}":
				segs[i] = url.PathEscape(r.Topic)
			default:
				segs[i] = p
			}
		}
		path := r.Prefix + "/" + strings.Join(segs, "/")
		if q := r.Query.Encode(); q != "" {
			path += "?" + q
		}
		return path
	}
	return ""
}

func FuzzMatch(f *testing.F) {
	for _, s := range []struct{ method, path string }{
		{"GET", "/kafka/v3/clusters"},
		{"GET", "/v3/clusters/c1"},
		{"GET", "/kafka/v3/clusters/c1/topics?x=1&x=2"},
		{"GET", "/kafka/v3/clusters/c1/topics/orders"},
		{"GET", "/v3/clusters/c1/topics/orders/partitions"},
		{"POST", "/kafka/v3/clusters/c1/topics/orders/records"},
		{"POST", "/kafka/v3/clusters/c%2F1/topics/my%2Etopic/records"},
		{"DELETE", "/kafka/v3/clusters/c1/topics/orders"},
		{"GET", "/kafka/v3//clusters"},
		{"GET", "/kafka/v3/clusters/"},
		{"GET", "/kafka/v3/clusters/%zz"},
		{"GET", "/kafka/v3/clusters/c1/topics/.."},
		{"GET", "/kafka/v3/clusters?a=%zz;b"},
		{"", ""},
	} {
		f.Add(s.method, s.path)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		r, err := Match(method, path)
		if err != nil {
			ae := asAPIError(t, err)
			switch ae.Status {
			case http.StatusNotFound, http.StatusBadRequest:
			case http.StatusMethodNotAllowed:
				if ae.Header["allow"] == "" {
					t.Fatalf("405 without an allow header: %+v", ae)
				}
			default:
				t.Fatalf("Match(%q, %q): unexpected status %d", method, path, ae.Status)
			}
			return
		}
		if r.API != "v3" || (r.Prefix != "/kafka/v3" && r.Prefix != "/v3") || r.Action == "" {
			t.Fatalf("Match(%q, %q) = %+v: incomplete route", method, path, r)
		}
		if r.WantsBody != (r.Action == Produce) || (method == http.MethodPost) != (r.Action == Produce) {
			t.Fatalf("Match(%q, %q) = %+v: method, action and WantsBody disagree", method, path, r)
		}
		if r.Resource == ResourceTopic {
			if err := ValidateTopicName(r.Topic); err != nil {
				t.Fatalf("Match(%q, %q) returned an invalid topic: %v", method, path, err)
			}
		}
		again := routePath(r)
		r2, err := Match(method, again)
		if err != nil {
			t.Fatalf("Match(%q, %q) (rebuilt from %q) failed: %v", method, again, path, err)
		}
		if diff := cmp.Diff(r, r2); diff != "" {
			t.Fatalf("route of %q rebuilt as %q differs (-first +second):\n%s", path, again, diff)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	paths := []struct{ method, path string }{
		{"GET", "/kafka/v3/clusters"},
		{"GET", "/kafka/v3/clusters/lkc-1/topics/orders"},
		{"POST", "/kafka/v3/clusters/lkc-1/topics/orders/records"},
		{"GET", "/v3/clusters/lkc-1/topics/orders/partitions?x=1"},
		{"GET", "/kafka/v3/unknown"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := paths[i%len(paths)]
		_, _ = Match(p.method, p.path)
	}
}
