// Package kafkarest parses and renders the Kafka REST APIs topicgate speaks
// (Confluent v3 today). It knows nothing of Envoy, Kafka clients or policy:
// it turns paths and bodies into typed values and typed values into JSON.
package kafkarest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Action names an endpoint. It is the `action` of the policy input.
type Action string

// The actions served today. Later API surfaces add to this list.
const (
	ListClusters   Action = "list_clusters"
	GetCluster     Action = "get_cluster"
	ListTopics     Action = "list_topics"
	GetTopic       Action = "get_topic"
	ListPartitions Action = "list_partitions"
	Produce        Action = "produce"
)

// Kafka ACL vocabulary for the policy input.
const (
	OpDescribe = "DESCRIBE"
	OpWrite    = "WRITE"

	ResourceCluster = "CLUSTER"
	ResourceTopic   = "TOPIC"
)

// Route is a matched request: which endpoint, and the values in its path.
type Route struct {
	API       string // "v3"
	Prefix    string // "/kafka/v3" or "/v3": links in responses use the caller's prefix
	Action    Action
	Operation string // Kafka ACL operation: DESCRIBE, WRITE, ...
	Resource  string // Kafka ACL resource type: CLUSTER, TOPIC, ...
	ClusterID string
	Topic     string
	Query     url.Values
	WantsBody bool // the endpoint reads a request body
}

type routeSpec struct {
	method    string
	pattern   []string // literal segments, or "{cluster_id}" / "{topic_name}"
	action    Action
	operation string
	resource  string
	wantsBody bool
}

// v3Routes is the route table for Confluent v3, relative to the /v3 prefix.
var v3Routes = []routeSpec{
	{http.MethodGet, seg("clusters"), ListClusters, OpDescribe, ResourceCluster, false},
	{http.MethodGet, seg("clusters/{cluster_id}"), GetCluster, OpDescribe, ResourceCluster, false},
	{http.MethodGet, seg("clusters/{cluster_id}/topics"), ListTopics, OpDescribe, ResourceCluster, false},
	{http.MethodGet, seg("clusters/{cluster_id}/topics/{topic_name}"), GetTopic, OpDescribe, ResourceTopic, false},
	{http.MethodGet, seg("clusters/{cluster_id}/topics/{topic_name}/partitions"), ListPartitions, OpDescribe, ResourceTopic, false},
	{http.MethodPost, seg("clusters/{cluster_id}/topics/{topic_name}/records"), Produce, OpWrite, ResourceTopic, true},
}

// prefixes are the path prefixes v3 is served under, longest first.
var prefixes = []string{"/kafka/v3", "/v3"}

func seg(p string) []string { return strings.Split(p, "/") }

// Match finds the endpoint for a method and a raw request path (query
// included). Unknown paths give 404 and known paths with another method 405,
// both as *apierr.Error. Path parameters are percent-decoded and validated.
func Match(method, rawPath string) (Route, error) {
	path, rawQuery, _ := strings.Cut(rawPath, "?")
	var prefix string
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			prefix = p
			break
		}
	}
	if prefix == "" {
		return Route{}, apierr.NotFound
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(path, prefix), "/")
	segments := strings.Split(rest, "/")
	for i, s := range segments {
		d, err := url.PathUnescape(s)
		if err != nil || d == "" {
			// Empty segments ("//", trailing "/") and bad escapes match nothing.
			return Route{}, apierr.NotFound
		}
		segments[i] = d
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Route{}, apierr.BadRequest("malformed query string")
	}

	var allowed []string
	for _, spec := range v3Routes {
		params, ok := matchPattern(spec.pattern, segments)
		if !ok {
			continue
		}
		if spec.method != method {
			allowed = append(allowed, spec.method)
			continue
		}
		r := Route{
			API: "v3", Prefix: prefix, Action: spec.action,
			Operation: spec.operation, Resource: spec.resource,
			ClusterID: params["cluster_id"], Topic: params["topic_name"],
			Query: query, WantsBody: spec.wantsBody,
		}
		if _, ok := params["topic_name"]; ok {
			if err := ValidateTopicName(r.Topic); err != nil {
				return Route{}, err
			}
		}
		return r, nil
	}
	if len(allowed) > 0 {
		sort.Strings(allowed)
		return Route{}, apierr.New(http.StatusMethodNotAllowed, 405, "HTTP 405 Method Not Allowed").
			WithHeader("allow", strings.Join(allowed, ", "))
	}
	return Route{}, apierr.NotFound
}

func matchPattern(pattern, segments []string) (map[string]string, bool) {
	if len(pattern) != len(segments) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[strings.Trim(p, "{}")] = segments[i]
			continue
		}
		if p != segments[i] {
			return nil, false
		}
	}
	return params, true
}

// ValidateTopicName applies Kafka's rules: 1-249 characters of
// [a-zA-Z0-9._-], and neither "." nor "..".
func ValidateTopicName(name string) error {
	if name == "" || len(name) > 249 {
		return apierr.BadRequest("topic name must be 1 to 249 characters long, got %d", len(name))
	}
	if name == "." || name == ".." {
		return apierr.BadRequest("topic name cannot be %q", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return apierr.BadRequest("topic name %s contains a character other than ASCII alphanumerics, '.', '_' and '-'", strconv.Quote(name))
		}
	}
	return nil
}
