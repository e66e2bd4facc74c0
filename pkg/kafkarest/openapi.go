package kafkarest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// schemasJSON holds the component schemas of topicgate's OpenAPI document:
// the structure (types, properties, required fields) of the Confluent v3
// and Strimzi bridge schemas topicgate answers with (Strimzi's prefixed
// "V2"), and topicgate's own (RecordList, ConsumerGroupOffsets, ...).
//
//go:embed openapi/schemas.json
var schemasJSON []byte

// param is a query parameter of an operation.
type param struct {
	name, typ, doc string
}

// opDoc describes an operation for the OpenAPI document.
type opDoc struct {
	summary   string
	query     []param
	request   string   // request body schema ("" when there is none)
	reqTypes  []string // its media types (default: the API's)
	optional  bool     // the body may be empty
	status    int      // success status
	response  string   // success body schema ("" when there is none)
	respTypes []string // its media types (default: the API's)
}

// v2Formats are the media types of v2 records.
var v2Formats = []string{MediaV2JSON, MediaV2Binary, MediaV2Text}

// readQuery are the query parameters of the stateless reads.
var readQuery = []param{
	{"offset", "string", "First offset to read: a number, `earliest` or `latest`. Default: earliest."},
	{"timestamp", "string", "Read from the first record at or after this time (milliseconds since the epoch, or RFC 3339). Excludes offset."},
	{"max_records", "integer", "Most records to answer (capped by reads.max_records)."},
	{"max_bytes", "integer", "Most record bytes to answer (capped by reads.max_bytes)."},
}

// v3Docs documents the Confluent v3 operations.
var v3Docs = map[Action]opDoc{
	ListClusters:         {summary: "List clusters", status: 200, response: "ClusterDataList"},
	GetCluster:           {summary: "Get a cluster", status: 200, response: "ClusterData"},
	ListBrokers:          {summary: "List brokers", status: 200, response: "BrokerDataList"},
	GetBroker:            {summary: "Get a broker", status: 200, response: "BrokerData"},
	ListAllBrokerConfigs: {summary: "List the configs of every broker", status: 200, response: "BrokerConfigDataList"},
	ListBrokerConfigs:    {summary: "List a broker's configs", status: 200, response: "BrokerConfigDataList"},
	GetBrokerConfig:      {summary: "Get a broker config", status: 200, response: "BrokerConfigData"},
	ListTopics:           {summary: "List topics", status: 200, response: "TopicDataList"},
	CreateTopic: {summary: "Create a topic (200 and nothing created with validate_only)",
		request: "CreateTopicRequestData", status: 201, response: "TopicData"},
	ListAllTopicConfigs:  {summary: "List the configs of every topic", status: 200, response: "TopicConfigDataList"},
	GetTopic:             {summary: "Get a topic", status: 200, response: "TopicData"},
	DeleteTopic:          {summary: "Delete a topic", status: 204},
	UpdatePartitionCount: {summary: "Add partitions to a topic", request: "UpdatePartitionCountRequestData", status: 200, response: "TopicData"},
	ListTopicConfigs:     {summary: "List a topic's configs", status: 200, response: "TopicConfigDataList"},
	AlterTopicConfigs:    {summary: "Set or delete several topic configs at once", request: "AlterConfigBatchRequestData", status: 204},
	GetTopicConfig:       {summary: "Get a topic config", status: 200, response: "TopicConfigData"},
	UpdateTopicConfig:    {summary: "Set a topic config", request: "UpdateConfigRequestData", status: 204},
	ResetTopicConfig:     {summary: "Reset a topic config to its default", status: 204},
	ListPartitions:       {summary: "List a topic's partitions", status: 200, response: "PartitionDataList"},
	GetPartition:         {summary: "Get a partition", status: 200, response: "PartitionData"},
	GetPartitionOffsets: {summary: "Get a partition's earliest and latest offsets",
		query: []param{{"offset_type", "string", "earliest, latest or earliest_and_latest"}}, status: 200, response: "PartitionWithOffsetsData"},
	ListReplicas: {summary: "List a partition's replicas", status: 200, response: "ReplicaDataList"},
	GetReplica:   {summary: "Get a partition's replica", status: 200, response: "ReplicaData"},
	ReadRecords: {summary: "Read records of a partition (topicgate: stateless, long-polling)",
		query: append(append([]param{}, readQuery...),
			param{"timeout_ms", "integer", "Longest wait for a first record at the end of the log (capped by reads.max_wait)."},
			param{"format", "string", "How keys and values are answered: binary (base64, default), json or string."}),
		status: 200, response: "RecordList"},
	Produce: {summary: "Produce records: one JSON object, or several concatenated (a stream); one result per record",
		request: "ProduceRequest", status: 200, response: "ProduceResponse"},
	ProduceBatch: {summary: "Produce a batch of records, each with an id", request: "ProduceBatchRequest", status: 207, response: "ProduceBatchResponse"},

	ListConsumerGroups:      {summary: "List consumer groups", status: 200, response: "ConsumerGroupDataList"},
	GetConsumerGroup:        {summary: "Get a consumer group", status: 200, response: "ConsumerGroupData"},
	ListGroupConsumers:      {summary: "List a group's consumers", status: 200, response: "ConsumerDataList"},
	GetGroupConsumer:        {summary: "Get a group's consumer", status: 200, response: "ConsumerData"},
	ListConsumerAssignments: {summary: "List the partitions assigned to a group's consumer", status: 200, response: "ConsumerAssignmentDataList"},
	GetConsumerAssignment:   {summary: "Get a consumer's assignment of one partition", status: 200, response: "ConsumerAssignmentData"},
	ListGroupLags:           {summary: "List a group's lag per partition", status: 200, response: "ConsumerLagDataList"},
	GetGroupLagSummary:      {summary: "Summarise a group's lag", status: 200, response: "ConsumerGroupLagSummaryData"},
	GetGroupLag:             {summary: "Get a group's lag on one partition", status: 200, response: "ConsumerLagData"},
	GetGroupOffsets: {summary: "Get a group's committed offsets on a topic (topicgate: stateless)",
		status: 200, response: "ConsumerGroupOffsets"},
	CommitGroupOffsets: {summary: "Commit a group's offsets on a topic without a consumer instance (topicgate: stateless; the group must have no active members)",
		request: "CommitGroupOffsetsRequest", status: 200, response: "ConsumerGroupOffsets"},
}

// v2Docs documents the Strimzi bridge operations.
var v2Docs = map[Action]opDoc{
	ListTopics:     {summary: "List topic names", status: 200, response: "V2Topics"},
	GetTopic:       {summary: "Get a topic's metadata", status: 200, response: "V2TopicMetadata"},
	ListPartitions: {summary: "List a topic's partitions", status: 200, response: "V2PartitionMetadataList"},
	GetPartition:   {summary: "Get a partition's metadata", status: 200, response: "V2PartitionMetadata"},
	Produce: {summary: "Produce records (204 without waiting for Kafka with ?async=true)",
		query:   []param{{"async", "boolean", "Answer 204 as soon as the records are handed to the producer."}},
		request: "V2ProducerRecordList", reqTypes: v2Formats, status: 200, response: "V2OffsetRecordSentList"},
	GetPartitionOffsets: {summary: "Get a partition's beginning and end offsets", status: 200, response: "V2OffsetsSummary"},
	ReadRecords: {summary: "Read records of a partition (topicgate: stateless, long-polling); the next offset is in x-topicgate-next-offset",
		query: append(append([]param{}, readQuery...),
			param{"timeout", "integer", "Longest wait in milliseconds for a first record at the end of the log (capped by reads.max_wait)."}),
		status: 200, response: "V2ConsumerRecordList", respTypes: v2Formats},
	CreateTopic: {summary: "Create a topic", request: "V2NewTopic", reqTypes: []string{MediaV2JSON}, status: 201},

	CreateConsumer:  {summary: "Create a consumer instance in a group", request: "V2Consumer", status: 200, response: "V2CreatedConsumer"},
	DeleteConsumer:  {summary: "Delete a consumer instance", status: 204},
	Subscribe:       {summary: "Subscribe to topics or a topic pattern", request: "V2Topics", status: 204},
	GetSubscription: {summary: "Get the subscription", status: 200, response: "V2SubscribedTopicList"},
	Unsubscribe:     {summary: "Unsubscribe from every topic", status: 204},
	Assign:          {summary: "Assign partitions", request: "V2Partitions", status: 204},
	Poll: {summary: "Poll records (Accept must name the instance's format)",
		query: []param{
			{"timeout", "integer", "Longest wait in milliseconds (capped by reads.max_wait)."},
			{"max_bytes", "integer", "Most record bytes to answer (capped by reads.max_bytes)."},
		},
		status: 200, response: "V2ConsumerRecordList", respTypes: v2Formats},
	CommitOffsets:   {summary: "Commit offsets (an empty body commits the current positions)", request: "V2OffsetCommitSeekList", optional: true, status: 204},
	Seek:            {summary: "Seek to offsets", request: "V2OffsetCommitSeekList", status: 204},
	SeekToBeginning: {summary: "Seek partitions to their beginning", request: "V2Partitions", status: 204},
	SeekToEnd:       {summary: "Seek partitions to their end", request: "V2Partitions", status: 204},
	GetOpenAPI:      {summary: "This document", status: 200, response: "", respTypes: []string{MediaJSON}},
}

// pathParams types the path parameters.
var pathParams = map[string]string{
	"cluster_id": "string", "topic_name": "string", "partition_id": "integer", "broker_id": "integer",
	"name": "string", "consumer_group_id": "string", "consumer_id": "string", "instance": "string",
}

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
	openAPIErr  error
)

// OpenAPI is topicgate's OpenAPI 3.0 document: every operation of both route
// tables, generated from them so that it cannot miss one.
func OpenAPI() ([]byte, error) {
	openAPIOnce.Do(func() { openAPIDoc, openAPIErr = buildOpenAPI() })
	return openAPIDoc, openAPIErr
}

func buildOpenAPI() ([]byte, error) {
	var schemas map[string]any
	if err := json.Unmarshal(schemasJSON, &schemas); err != nil {
		return nil, fmt.Errorf("openapi schemas: %w", err)
	}
	schemas["V2PartitionMetadataList"] = map[string]any{"type": "array", "items": ref("V2PartitionMetadata")}
	paths := map[string]map[string]any{}
	tables := []struct {
		api, prefix string
		routes      []routeSpec
		docs        map[Action]opDoc
	}{
		{"v3", "/kafka/v3", v3Routes, v3Docs},
		{"v2", "", v2Routes, v2Docs},
	}
	for _, t := range tables {
		for _, r := range t.routes {
			d, ok := t.docs[r.action]
			if !ok {
				return nil, fmt.Errorf("openapi: %s %s has no documentation", t.api, r.action)
			}
			if t.api == "v2" && r.action == Produce && len(r.pattern) == 4 { // topics/{t}/partitions/{p}
				d.request = "V2ProducerRecordToPartitionList"
			}
			path := t.prefix + "/" + strings.Join(r.pattern, "/")
			if paths[path] == nil {
				paths[path] = map[string]any{}
			}
			paths[path][strings.ToLower(r.method)] = operation(t.api, r, d)
		}
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "topicgate",
			"version": "1",
			"description": "Kafka over HTTP through Envoy: Confluent REST v3 under /kafka/v3 (also served under /v3), " +
				"the Strimzi HTTP bridge API at the root, and topicgate's stateless reads and committed offsets. " +
				"Every operation but this document is authorized by the policy; each answer carries x-request-id " +
				"and x-topicgate-decision-id.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"basic": map[string]any{"type": "http", "scheme": "basic"}},
		},
		"security": []any{map[string]any{"basic": []any{}}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func operation(api string, r routeSpec, d opDoc) map[string]any {
	mediaType := ContentType(api)
	op := map[string]any{
		"operationId":        api + "_" + string(r.action),
		"summary":            d.summary,
		"tags":               []string{tag(api, r)},
		"x-topicgate-action": string(r.action),
	}
	if r.operation != "" {
		op["x-kafka-acl"] = map[string]string{"operation": r.operation, "resource_type": r.resource}
	}
	if r.flags&public != 0 {
		op["security"] = []any{}
	}
	var params []any
	for _, s := range r.pattern {
		if strings.HasPrefix(s, "{") {
			name := strings.Trim(s, "{}")
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]string{"type": pathParams[name]}})
		}
	}
	for _, q := range d.query {
		params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.doc, "schema": map[string]string{"type": q.typ}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if d.request != "" {
		types := d.reqTypes
		if types == nil {
			types = []string{mediaType}
			if api == "v3" {
				types = []string{MediaJSON}
			}
		}
		content := map[string]any{}
		for _, t := range types {
			content[t] = map[string]any{"schema": ref(d.request)}
		}
		op["requestBody"] = map[string]any{"required": !d.optional, "content": content}
	}
	ok := map[string]any{"description": http.StatusText(d.status)}
	if d.status != http.StatusNoContent {
		types := d.respTypes
		if types == nil {
			types = []string{mediaType}
		}
		content := map[string]any{}
		for _, t := range types {
			if d.response == "" {
				content[t] = map[string]any{"schema": map[string]string{"type": "object"}}
			} else {
				content[t] = map[string]any{"schema": ref(d.response)}
			}
		}
		ok["content"] = content
	}
	errSchema := "Error"
	if api == "v2" {
		errSchema = "V2Error"
	}
	op["responses"] = map[string]any{
		strconv.Itoa(d.status): ok,
		"default": map[string]any{
			"description": "An error: status and error_code say what went wrong (docs/api.md lists them).",
			"content":     map[string]any{mediaType: map[string]any{"schema": ref(errSchema)}},
		},
	}
	return op
}

func tag(api string, r routeSpec) string {
	switch {
	case r.flags&extension != 0:
		return "topicgate"
	case api == "v3":
		return "Confluent v3"
	default:
		return "Strimzi bridge"
	}
}

func ref(name string) map[string]string {
	return map[string]string{"$ref": "#/components/schemas/" + name}
}
