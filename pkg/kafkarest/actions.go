package kafkarest

// Action names an endpoint. It is the `action` of the policy input, and the
// key the gateway dispatches on. docs/policy.md lists each with its
// operation and resource.
type Action string

// Actions of both APIs. An action means the same thing in v3 and v2; the
// route's API says which shape the answer takes.
const (
	// Clusters and brokers.
	ListClusters         Action = "list_clusters"
	GetCluster           Action = "get_cluster"
	ListBrokers          Action = "list_brokers"
	GetBroker            Action = "get_broker"
	ListBrokerConfigs    Action = "list_broker_configs"
	ListAllBrokerConfigs Action = "list_all_broker_configs"
	GetBrokerConfig      Action = "get_broker_config"

	// Topics.
	ListTopics           Action = "list_topics"
	GetTopic             Action = "get_topic"
	CreateTopic          Action = "create_topic"
	DeleteTopic          Action = "delete_topic"
	UpdatePartitionCount Action = "update_partition_count"
	ListTopicConfigs     Action = "list_topic_configs"
	ListAllTopicConfigs  Action = "list_all_topic_configs"
	GetTopicConfig       Action = "get_topic_config"
	UpdateTopicConfig    Action = "update_topic_config"
	ResetTopicConfig     Action = "reset_topic_config"
	AlterTopicConfigs    Action = "alter_topic_configs"

	// Partitions.
	ListPartitions      Action = "list_partitions"
	GetPartition        Action = "get_partition"
	GetPartitionOffsets Action = "get_partition_offsets"
	ListReplicas        Action = "list_replicas"
	GetReplica          Action = "get_replica"

	// Produce and stateless reads.
	Produce      Action = "produce"
	ProduceBatch Action = "produce_batch"
	ReadRecords  Action = "read_records"

	// Consumer groups (v3) and their committed offsets (stateless).
	ListConsumerGroups      Action = "list_consumer_groups"
	GetConsumerGroup        Action = "get_consumer_group"
	ListGroupConsumers      Action = "list_group_consumers"
	GetGroupConsumer        Action = "get_group_consumer"
	ListConsumerAssignments Action = "list_consumer_assignments"
	GetConsumerAssignment   Action = "get_consumer_assignment"
	ListGroupLags           Action = "list_group_lags"
	GetGroupLagSummary      Action = "get_group_lag_summary"
	GetGroupLag             Action = "get_group_lag"
	GetGroupOffsets         Action = "get_group_offsets"
	CommitGroupOffsets      Action = "commit_group_offsets"

	// Consumer instances (v2, Strimzi bridge): stateful, held by one process.
	CreateConsumer  Action = "create_consumer"
	DeleteConsumer  Action = "delete_consumer"
	Subscribe       Action = "subscribe"
	GetSubscription Action = "get_subscription"
	Unsubscribe     Action = "unsubscribe"
	Assign          Action = "assign"
	Poll            Action = "poll"
	CommitOffsets   Action = "commit_offsets"
	Seek            Action = "seek"
	SeekToBeginning Action = "seek_to_beginning"
	SeekToEnd       Action = "seek_to_end"

	// GetOpenAPI serves topicgate's own OpenAPI document. It is public:
	// no credentials and no policy decision.
	GetOpenAPI Action = "get_openapi"
)

// Kafka ACL vocabulary for the policy input.
const (
	OpRead            = "READ"
	OpWrite           = "WRITE"
	OpCreate          = "CREATE"
	OpDelete          = "DELETE"
	OpAlter           = "ALTER"
	OpDescribe        = "DESCRIBE"
	OpDescribeConfigs = "DESCRIBE_CONFIGS"
	OpAlterConfigs    = "ALTER_CONFIGS"

	ResourceCluster = "CLUSTER"
	ResourceTopic   = "TOPIC"
	ResourceGroup   = "GROUP"
)
