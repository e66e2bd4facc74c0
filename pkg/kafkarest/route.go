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

// Route is a matched request: which endpoint, and the values in its path.
type Route struct {
	API    string // "v3" (Confluent) or "v2" (Strimzi bridge)
	Prefix string // "/kafka/v3" or "/v3" ("" for v2): links in responses use the caller's prefix
	Action Action
	// Template is the route's path as RouteDoc and the OpenAPI document write
	// it (v3 under /kafka/v3), e.g. "/topics/{topic_name}".
	Template  string
	Operation string // Kafka ACL operation: DESCRIBE, WRITE, ...
	Resource  string // Kafka ACL resource type: CLUSTER, TOPIC, GROUP
	ClusterID string
	Topic     string
	Partition *int32 // {partition_id}, when in the path
	BrokerID  *int32 // {broker_id}, when in the path
	Config    string // {name} of a config, when in the path
	Group     string // {consumer_group_id} / v2 {groupid}
	Consumer  string // v3 {consumer_id}
	Instance  string // v2 consumer instance {name}
	Query     url.Values
	WantsBody bool // the endpoint reads a request body
	// ResourceInBody is true when the resource is named in the body (create
	// topic): the request-phase decision waits until the body is parsed.
	ResourceInBody bool
	// Public endpoints need no credentials and no decision (the OpenAPI document).
	Public bool
}

type routeSpec struct {
	method    string
	pattern   []string // literal segments, or "{param}"
	action    Action
	operation string
	resource  string
	flags     routeFlags
}

type routeFlags uint8

const (
	body           routeFlags = 1 << iota // reads a request body
	resourceInBody                        // the resource is named in the body
	public                                // no credentials, no decision
	extension                             // topicgate's own: in neither spec
)

const (
	get  = http.MethodGet
	post = http.MethodPost
	put  = http.MethodPut
	del  = http.MethodDelete
	pat  = http.MethodPatch
)

// v3Routes is the route table for Confluent v3, relative to the /v3 prefix.
// Literal segments ("-") come before parameters that would also match them.
var v3Routes = []routeSpec{
	{get, seg("clusters"), ListClusters, OpDescribe, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}"), GetCluster, OpDescribe, ResourceCluster, 0},

	{get, seg("clusters/{cluster_id}/brokers"), ListBrokers, OpDescribe, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}/brokers/-/configs"), ListAllBrokerConfigs, OpDescribeConfigs, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}/brokers/{broker_id}"), GetBroker, OpDescribe, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}/brokers/{broker_id}/configs"), ListBrokerConfigs, OpDescribeConfigs, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}/brokers/{broker_id}/configs/{name}"), GetBrokerConfig, OpDescribeConfigs, ResourceCluster, 0},

	{get, seg("clusters/{cluster_id}/topics"), ListTopics, OpDescribe, ResourceCluster, 0},
	{post, seg("clusters/{cluster_id}/topics"), CreateTopic, OpCreate, ResourceTopic, body | resourceInBody},
	{get, seg("clusters/{cluster_id}/topics/-/configs"), ListAllTopicConfigs, OpDescribeConfigs, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}"), GetTopic, OpDescribe, ResourceTopic, 0},
	{del, seg("clusters/{cluster_id}/topics/{topic_name}"), DeleteTopic, OpDelete, ResourceTopic, 0},
	{pat, seg("clusters/{cluster_id}/topics/{topic_name}"), UpdatePartitionCount, OpAlter, ResourceTopic, body},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/configs"), ListTopicConfigs, OpDescribeConfigs, ResourceTopic, 0},
	{post, seg("clusters/{cluster_id}/topics/{topic_name}/configs:alter"), AlterTopicConfigs, OpAlterConfigs, ResourceTopic, body},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/configs/{name}"), GetTopicConfig, OpDescribeConfigs, ResourceTopic, 0},
	{put, seg("clusters/{cluster_id}/topics/{topic_name}/configs/{name}"), UpdateTopicConfig, OpAlterConfigs, ResourceTopic, body},
	{del, seg("clusters/{cluster_id}/topics/{topic_name}/configs/{name}"), ResetTopicConfig, OpAlterConfigs, ResourceTopic, 0},

	{get, seg("clusters/{cluster_id}/topics/{topic_name}/partitions"), ListPartitions, OpDescribe, ResourceTopic, 0},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}"), GetPartition, OpDescribe, ResourceTopic, 0},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/offset"), GetPartitionOffsets, OpDescribe, ResourceTopic, 0},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas"), ListReplicas, OpDescribe, ResourceTopic, 0},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas/{broker_id}"), GetReplica, OpDescribe, ResourceTopic, 0},
	{get, seg("clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records"), ReadRecords, OpRead, ResourceTopic, extension},

	{post, seg("clusters/{cluster_id}/topics/{topic_name}/records"), Produce, OpWrite, ResourceTopic, body},
	{post, seg("clusters/{cluster_id}/topics/{topic_name}/records:batch"), ProduceBatch, OpWrite, ResourceTopic, body},

	{get, seg("clusters/{cluster_id}/consumer-groups"), ListConsumerGroups, OpDescribe, ResourceCluster, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}"), GetConsumerGroup, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers"), ListGroupConsumers, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}"), GetGroupConsumer, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}/assignments"), ListConsumerAssignments, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}/assignments/{topic_name}/partitions/{partition_id}"), GetConsumerAssignment, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags"), ListGroupLags, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary"), GetGroupLagSummary, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}"), GetGroupLag, OpDescribe, ResourceGroup, 0},
	{get, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets/{topic_name}"), GetGroupOffsets, OpDescribe, ResourceGroup, extension},
	{post, seg("clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets/{topic_name}"), CommitGroupOffsets, OpRead, ResourceGroup, body | extension},
}

// v2Routes is the route table of the Strimzi bridge API, served from the root.
var v2Routes = []routeSpec{
	{get, seg("topics"), ListTopics, OpDescribe, ResourceCluster, 0},
	{get, seg("topics/{topic_name}"), GetTopic, OpDescribe, ResourceTopic, 0},
	{post, seg("topics/{topic_name}"), Produce, OpWrite, ResourceTopic, body},
	{get, seg("topics/{topic_name}/partitions"), ListPartitions, OpDescribe, ResourceTopic, 0},
	{get, seg("topics/{topic_name}/partitions/{partition_id}"), GetPartition, OpDescribe, ResourceTopic, 0},
	{post, seg("topics/{topic_name}/partitions/{partition_id}"), Produce, OpWrite, ResourceTopic, body},
	{get, seg("topics/{topic_name}/partitions/{partition_id}/offsets"), GetPartitionOffsets, OpDescribe, ResourceTopic, 0},
	{get, seg("topics/{topic_name}/partitions/{partition_id}/records"), ReadRecords, OpRead, ResourceTopic, extension},
	{post, seg("admin/topics"), CreateTopic, OpCreate, ResourceTopic, body | resourceInBody},

	{post, seg("consumers/{consumer_group_id}"), CreateConsumer, OpRead, ResourceGroup, body},
	{del, seg("consumers/{consumer_group_id}/instances/{instance}"), DeleteConsumer, OpRead, ResourceGroup, 0},
	{post, seg("consumers/{consumer_group_id}/instances/{instance}/subscription"), Subscribe, OpRead, ResourceGroup, body},
	{get, seg("consumers/{consumer_group_id}/instances/{instance}/subscription"), GetSubscription, OpRead, ResourceGroup, 0},
	{del, seg("consumers/{consumer_group_id}/instances/{instance}/subscription"), Unsubscribe, OpRead, ResourceGroup, 0},
	{post, seg("consumers/{consumer_group_id}/instances/{instance}/assignments"), Assign, OpRead, ResourceGroup, body},
	{get, seg("consumers/{consumer_group_id}/instances/{instance}/records"), Poll, OpRead, ResourceGroup, 0},
	{post, seg("consumers/{consumer_group_id}/instances/{instance}/offsets"), CommitOffsets, OpRead, ResourceGroup, body},
	{post, seg("consumers/{consumer_group_id}/instances/{instance}/positions"), Seek, OpRead, ResourceGroup, body},
	{post, seg("consumers/{consumer_group_id}/instances/{instance}/positions/beginning"), SeekToBeginning, OpRead, ResourceGroup, body},
	{post, seg("consumers/{consumer_group_id}/instances/{instance}/positions/end"), SeekToEnd, OpRead, ResourceGroup, body},

	{get, seg("openapi.json"), GetOpenAPI, "", "", public | extension},
}

// v3Prefixes are the path prefixes v3 is served under, longest first.
var v3Prefixes = []string{"/kafka/v3", "/v3"}

// RouteDoc describes one route, for documentation.
type RouteDoc struct {
	API, Method, Path   string
	Action              Action
	Operation, Resource string
	Extension, Public   bool
}

// template writes a route's path, v3 under /kafka/v3.
func template(api string, r routeSpec) string {
	prefix := ""
	if api == "v3" {
		prefix = v3Prefixes[0]
	}
	return prefix + "/" + strings.Join(r.pattern, "/")
}

// Routes lists every route of both tables, v3 paths under /kafka/v3.
func Routes() []RouteDoc {
	var out []RouteDoc
	for _, t := range []struct {
		api    string
		routes []routeSpec
	}{{"v3", v3Routes}, {"v2", v2Routes}} {
		for _, r := range t.routes {
			out = append(out, RouteDoc{
				API: t.api, Method: r.method, Path: template(t.api, r),
				Action: r.action, Operation: r.operation, Resource: r.resource,
				Extension: r.flags&extension != 0, Public: r.flags&public != 0,
			})
		}
	}
	return out
}

// Actions lists the actions of both route tables, each once.
func Actions() []Action {
	seen := map[Action]bool{}
	var out []Action
	for _, t := range [][]routeSpec{v3Routes, v2Routes} {
		for _, r := range t {
			if !seen[r.action] {
				seen[r.action] = true
				out = append(out, r.action)
			}
		}
	}
	return out
}

func seg(p string) []string { return strings.Split(p, "/") }

// Match finds the endpoint for a method and a raw request path (query
// included). Unknown paths give 404 and known paths with another method 405,
// both as *apierr.Error. Path parameters are percent-decoded and validated.
// Paths under /kafka/v3 and /v3 are Confluent v3; all others are the Strimzi
// bridge's (v2).
func Match(method, rawPath string) (Route, error) {
	path, rawQuery, _ := strings.Cut(rawPath, "?")
	api, prefix, table := "v2", "", v2Routes
	for _, p := range v3Prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			api, prefix, table = "v3", p, v3Routes
			break
		}
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
	for _, spec := range table {
		params, ok := matchPattern(spec.pattern, segments)
		if !ok {
			continue
		}
		if spec.method != method {
			allowed = append(allowed, spec.method)
			continue
		}
		r := Route{
			API: api, Prefix: prefix, Action: spec.action, Template: template(api, spec),
			Operation: spec.operation, Resource: spec.resource,
			Query: query, WantsBody: spec.flags&body != 0,
			ResourceInBody: spec.flags&resourceInBody != 0,
			Public:         spec.flags&public != 0,
		}
		if err := r.setParams(params); err != nil {
			return Route{}, err
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

// setParams validates the path parameters and stores them.
func (r *Route) setParams(params map[string]string) error {
	for name, v := range params {
		switch name {
		case "cluster_id":
			r.ClusterID = v
		case "topic_name":
			if err := ValidateTopicName(v); err != nil {
				return err
			}
			r.Topic = v
		case "partition_id":
			n, err := nonNegative(name, v)
			if err != nil {
				return err
			}
			r.Partition = &n
		case "broker_id":
			n, err := nonNegative(name, v)
			if err != nil {
				return err
			}
			r.BrokerID = &n
		case "name":
			r.Config = v
		case "consumer_group_id":
			r.Group = v
		case "consumer_id":
			r.Consumer = v
		case "instance":
			r.Instance = v
		}
	}
	return nil
}

func nonNegative(name, v string) (int32, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		return 0, apierr.BadRequest("%s must be a non-negative integer, got %s", name, strconv.Quote(v))
	}
	return int32(n), nil
}

func matchPattern(pattern, segments []string) (map[string]string, bool) {
	if len(pattern) != len(segments) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if params == nil {
				params = make(map[string]string, 4)
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
