package kafkarest

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// CreateTopicRequest is a parsed POST /topics (v3) or POST /admin/topics (v2).
type CreateTopicRequest struct {
	Name              string
	Partitions        *int32 // nil: the broker's default
	ReplicationFactor *int16 // nil: the broker's default
	// Assignment places each partition's replicas, partition i at index i.
	Assignment   [][]int32
	Configs      map[string]string
	ValidateOnly bool
}

// ConfigChange is one change of a topic config: set Name to Value, or (Delete)
// go back to the default.
type ConfigChange struct {
	Name   string
	Value  string
	Delete bool
}

// AlterConfigsRequest is a parsed POST /topics/{t}/configs:alter.
type AlterConfigsRequest struct {
	Changes      []ConfigChange
	ValidateOnly bool
}

// badAdminBody is a 400 with Confluent's code for a request Kafka would
// refuse (40002), used for every invalid admin body.
func badAdminBody(format string, args ...any) *apierr.Error {
	return apierr.New(http.StatusBadRequest, 40002, format, args...)
}

// ParseCreateTopic decodes a create-topic body: topic_name (required),
// partitions_count, replication_factor, replicas_assignments, configs
// [{name, value}] and validate_only. The v2 NewTopic (api "v2") has only the
// first three; it is decoded by the v2 rules (422, unknown fields refused).
func ParseCreateTopic(api string, body []byte) (CreateTopicRequest, error) {
	var in struct {
		TopicName         *string            `json:"topic_name"`
		PartitionsCount   *int64             `json:"partitions_count"`
		ReplicationFactor *int64             `json:"replication_factor"`
		Assignments       map[string][]int32 `json:"replicas_assignments"`
		Configs           []struct {
			Name  *string `json:"name"`
			Value *string `json:"value"`
		} `json:"configs"`
		ValidateOnly bool `json:"validate_only"`
	}
	if api == "v2" {
		var v2 struct {
			TopicName         *string `json:"topic_name"`
			PartitionsCount   *int64  `json:"partitions_count"`
			ReplicationFactor *int64  `json:"replication_factor"`
		}
		if err := v2Body.decode(body, &v2); err != nil {
			return CreateTopicRequest{}, err
		}
		in.TopicName, in.PartitionsCount, in.ReplicationFactor = v2.TopicName, v2.PartitionsCount, v2.ReplicationFactor
	} else if err := v3Body.decode(body, &in); err != nil {
		return CreateTopicRequest{}, err
	}
	if in.TopicName == nil {
		return CreateTopicRequest{}, badAdminBody("topic_name is required.")
	}
	out := CreateTopicRequest{Name: *in.TopicName, ValidateOnly: in.ValidateOnly}
	if err := ValidateTopicName(out.Name); err != nil {
		return CreateTopicRequest{}, badAdminBody("%s", strings.TrimPrefix(apierr.From(err).Message, "Bad Request: "))
	}
	if p := in.PartitionsCount; p != nil {
		if *p < 1 || *p > math.MaxInt32 {
			return CreateTopicRequest{}, badAdminBody("partitions_count must be between 1 and %d, got %d.", math.MaxInt32, *p)
		}
		n := int32(*p)
		out.Partitions = &n
	}
	if r := in.ReplicationFactor; r != nil {
		if *r < 1 || *r > math.MaxInt16 {
			return CreateTopicRequest{}, badAdminBody("replication_factor must be between 1 and %d, got %d.", math.MaxInt16, *r)
		}
		n := int16(*r)
		out.ReplicationFactor = &n
	}
	if in.Assignments != nil {
		if in.PartitionsCount != nil || in.ReplicationFactor != nil {
			return CreateTopicRequest{}, badAdminBody("replicas_assignments cannot be combined with partitions_count or replication_factor.")
		}
		a, err := parseAssignments(in.Assignments)
		if err != nil {
			return CreateTopicRequest{}, err
		}
		out.Assignment = a
	}
	for i, c := range in.Configs {
		if c.Name == nil || *c.Name == "" {
			return CreateTopicRequest{}, badAdminBody("configs[%d] has no name.", i)
		}
		if c.Value == nil {
			return CreateTopicRequest{}, badAdminBody("configs[%d] (%s) has no value.", i, *c.Name)
		}
		if out.Configs == nil {
			out.Configs = map[string]string{}
		}
		if _, dup := out.Configs[*c.Name]; dup {
			return CreateTopicRequest{}, badAdminBody("config %s is given twice.", *c.Name)
		}
		out.Configs[*c.Name] = *c.Value
	}
	return out, nil
}

// parseAssignments turns {"0": [1,2], "1": [2,3]} into replicas by partition;
// the partitions must be 0..n-1, each with at least one distinct broker.
func parseAssignments(m map[string][]int32) ([][]int32, error) {
	if len(m) == 0 {
		return nil, badAdminBody("replicas_assignments must name at least one partition.")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][]int32, len(m))
	for _, k := range keys {
		p, err := strconv.Atoi(k)
		if err != nil || p < 0 || p >= len(m) || out[p] != nil {
			return nil, badAdminBody("replicas_assignments must name partitions 0 to %d, got %q.", len(m)-1, k)
		}
		rs := m[k]
		if len(rs) == 0 {
			return nil, badAdminBody("replicas_assignments[%s] names no broker.", k)
		}
		seen := map[int32]bool{}
		for _, b := range rs {
			if seen[b] {
				return nil, badAdminBody("replicas_assignments[%s] names broker %d twice.", k, b)
			}
			seen[b] = true
		}
		out[p] = rs
	}
	return out, nil
}

// ParsePartitionsCount decodes a PATCH /topics/{t} body: {"partitions_count": N}.
func ParsePartitionsCount(body []byte) (int32, error) {
	var in struct {
		PartitionsCount *int64 `json:"partitions_count"`
	}
	if err := v3Body.decode(body, &in); err != nil {
		return 0, err
	}
	if in.PartitionsCount == nil {
		return 0, badAdminBody("partitions_count is required.")
	}
	if p := *in.PartitionsCount; p < 1 || p > math.MaxInt32 {
		return 0, badAdminBody("partitions_count must be between 1 and %d, got %d.", math.MaxInt32, p)
	}
	return int32(*in.PartitionsCount), nil
}

// ParseConfigValue decodes a PUT /configs/{name} body: {"value": "..."}.
func ParseConfigValue(body []byte) (string, error) {
	var in struct {
		Value *string `json:"value"`
	}
	if err := v3Body.decode(body, &in); err != nil {
		return "", err
	}
	if in.Value == nil {
		return "", badAdminBody("value is required and must be a string; DELETE the config to reset it to its default.")
	}
	return *in.Value, nil
}

// ParseAlterConfigs decodes a configs:alter body: {"data": [{name, value,
// operation: SET (default) | DELETE}], "validate_only": bool}.
func ParseAlterConfigs(body []byte) (AlterConfigsRequest, error) {
	var in struct {
		Data []struct {
			Name      *string `json:"name"`
			Value     *string `json:"value"`
			Operation *string `json:"operation"`
		} `json:"data"`
		ValidateOnly bool `json:"validate_only"`
	}
	if err := v3Body.decode(body, &in); err != nil {
		return AlterConfigsRequest{}, err
	}
	if len(in.Data) == 0 {
		return AlterConfigsRequest{}, badAdminBody("data must list at least one config.")
	}
	out := AlterConfigsRequest{ValidateOnly: in.ValidateOnly}
	seen := map[string]bool{}
	for i, d := range in.Data {
		if d.Name == nil || *d.Name == "" {
			return AlterConfigsRequest{}, badAdminBody("data[%d] has no name.", i)
		}
		name := *d.Name
		if seen[name] {
			return AlterConfigsRequest{}, badAdminBody("config %s is given twice.", name)
		}
		seen[name] = true
		op := "SET"
		if d.Operation != nil {
			op = strings.ToUpper(*d.Operation)
		}
		switch op {
		case "SET":
			if d.Value == nil {
				return AlterConfigsRequest{}, badAdminBody("data[%d] (%s) sets no value; give a value or operation DELETE.", i, name)
			}
			out.Changes = append(out.Changes, ConfigChange{Name: name, Value: *d.Value})
		case "DELETE":
			out.Changes = append(out.Changes, ConfigChange{Name: name, Delete: true})
		default:
			return AlterConfigsRequest{}, badAdminBody("data[%d] (%s): operation must be SET or DELETE, got %s.", i, name, strconv.Quote(*d.Operation))
		}
	}
	return out, nil
}
