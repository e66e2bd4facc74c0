package kafkarest

import (
	"encoding/json"
	"strconv"
)

// Broker is what a v3 broker resource is built from.
type Broker struct {
	ID   int32
	Host string
	Port int
}

// Config is what a v3 config resource (of a topic or a broker) is built from.
type Config struct {
	Name      string
	Value     *string // nil: sensitive, or no value
	Source    string  // DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...
	ReadOnly  bool
	Default   bool
	Sensitive bool
	Synonyms  []ConfigSynonym
}

// ConfigSynonym is a config that supplies a Config's value when it is not set.
type ConfigSynonym struct {
	Name   string  `json:"name"`
	Value  *string `json:"value"`
	Source string  `json:"source"`
}

// BrokerConfig is a config of one broker.
type BrokerConfig struct {
	BrokerID int32
	Config
}

// TopicConfig is a config of one topic.
type TopicConfig struct {
	Topic string
	Config
}

// Replica is what a v3 replica resource is built from.
type Replica struct {
	Broker int32
	Leader bool
	InSync bool
}

type brokerData struct {
	Kind              string   `json:"kind"`
	Metadata          metadata `json:"metadata"`
	ClusterID         string   `json:"cluster_id"`
	BrokerID          int32    `json:"broker_id"`
	Host              *string  `json:"host"`
	Port              *int     `json:"port"`
	Rack              *string  `json:"rack"`
	Configs           related  `json:"configs"`
	PartitionReplicas related  `json:"partition_replicas"`
}

type configData struct {
	Kind        string          `json:"kind"`
	Metadata    metadata        `json:"metadata"`
	ClusterID   string          `json:"cluster_id"`
	BrokerID    *int32          `json:"broker_id,omitempty"`
	TopicName   *string         `json:"topic_name,omitempty"`
	Name        string          `json:"name"`
	Value       *string         `json:"value"`
	IsDefault   bool            `json:"is_default"`
	IsReadOnly  bool            `json:"is_read_only"`
	IsSensitive bool            `json:"is_sensitive"`
	Source      string          `json:"source"`
	Synonyms    []ConfigSynonym `json:"synonyms"`
}

type partitionOffsetsData struct {
	Kind           string   `json:"kind"`
	Metadata       metadata `json:"metadata"`
	ClusterID      string   `json:"cluster_id"`
	TopicName      string   `json:"topic_name"`
	PartitionID    int32    `json:"partition_id"`
	EarliestOffset int64    `json:"earliest_offset"`
	LatestOffset   int64    `json:"latest_offset"`
}

type replicaData struct {
	Kind        string   `json:"kind"`
	Metadata    metadata `json:"metadata"`
	ClusterID   string   `json:"cluster_id"`
	TopicName   string   `json:"topic_name"`
	PartitionID int32    `json:"partition_id"`
	BrokerID    int32    `json:"broker_id"`
	IsLeader    bool     `json:"is_leader"`
	IsInSync    bool     `json:"is_in_sync"`
	Broker      related  `json:"broker"`
}

func (l Links) brokerData(cid string, b Broker) brokerData {
	self := l.broker(cid, b.ID)
	d := brokerData{
		Kind:              "KafkaBroker",
		Metadata:          metadata{Self: self, ResourceName: crn("kafka", cid, "broker", strconv.Itoa(int(b.ID)))},
		ClusterID:         cid,
		BrokerID:          b.ID,
		Configs:           related{self + "/configs"},
		PartitionReplicas: related{self + "/partition-replicas"},
	}
	if b.Host != "" {
		d.Host, d.Port = &b.Host, &b.Port
	}
	return d
}

// BrokerList renders GET /clusters/{id}/brokers.
func (l Links) BrokerList(cid string, bs []Broker) ([]byte, error) {
	return renderList("KafkaBrokerList", l.brokers(cid), bs, func(b *Broker) brokerData { return l.brokerData(cid, *b) })
}

// Broker renders GET /clusters/{id}/brokers/{broker_id}.
func (l Links) Broker(cid string, b Broker) ([]byte, error) {
	return json.Marshal(l.brokerData(cid, b))
}

func configBody(kind, self string, rn *string, cid string, c *Config) configData {
	d := configData{
		Kind: kind, Metadata: metadata{Self: self, ResourceName: rn}, ClusterID: cid,
		Name: c.Name, Value: c.Value, IsDefault: c.Default, IsReadOnly: c.ReadOnly,
		IsSensitive: c.Sensitive, Source: c.Source, Synonyms: c.Synonyms,
	}
	if d.Source == "" {
		d.Source = "UNKNOWN"
	}
	if d.Synonyms == nil {
		d.Synonyms = []ConfigSynonym{}
	}
	return d
}

func (l Links) brokerConfigData(cid string, c *BrokerConfig) configData {
	id := strconv.Itoa(int(c.BrokerID))
	d := configBody("KafkaBrokerConfig", l.brokerConfig(cid, c.BrokerID, c.Name),
		crn("kafka", cid, "broker", id, "config", c.Name), cid, &c.Config)
	d.BrokerID = &c.BrokerID
	return d
}

func (l Links) topicConfigData(cid string, c *TopicConfig) configData {
	d := configBody("KafkaTopicConfig", l.topicConfig(cid, c.Topic, c.Name),
		crn("kafka", cid, "topic", c.Topic, "config", c.Name), cid, &c.Config)
	d.TopicName = &c.Topic
	return d
}

// BrokerConfigList renders the configs of one broker (broker >= 0) or of all
// brokers (broker < 0: GET /brokers/-/configs).
func (l Links) BrokerConfigList(cid string, broker int32, cs []BrokerConfig) ([]byte, error) {
	self := l.brokers(cid) + "/-/configs"
	if broker >= 0 {
		self = l.brokerConfigs(cid, broker)
	}
	return renderList("KafkaBrokerConfigList", self, cs, func(c *BrokerConfig) configData { return l.brokerConfigData(cid, c) })
}

// BrokerConfig renders GET /brokers/{broker_id}/configs/{name}.
func (l Links) BrokerConfig(cid string, c BrokerConfig) ([]byte, error) {
	return json.Marshal(l.brokerConfigData(cid, &c))
}

// TopicConfigList renders the configs of one topic, or of all topics (topic
// "": GET /topics/-/configs).
func (l Links) TopicConfigList(cid, topic string, cs []TopicConfig) ([]byte, error) {
	self := l.topics(cid) + "/-/configs"
	if topic != "" {
		self = l.topicConfigs(cid, topic)
	}
	return renderList("KafkaTopicConfigList", self, cs, func(c *TopicConfig) configData { return l.topicConfigData(cid, c) })
}

// TopicConfig renders GET /topics/{topic_name}/configs/{name}.
func (l Links) TopicConfig(cid string, c TopicConfig) ([]byte, error) {
	return json.Marshal(l.topicConfigData(cid, &c))
}

// Partition renders GET /topics/{topic_name}/partitions/{partition_id}.
func (l Links) Partition(cid, topic string, p Partition) ([]byte, error) {
	return json.Marshal(l.partitionData(cid, topic, p))
}

// PartitionOffsets renders GET /topics/{topic_name}/partitions/{partition_id}/offset.
func (l Links) PartitionOffsets(cid, topic string, p int32, earliest, latest int64) ([]byte, error) {
	id := strconv.Itoa(int(p))
	return json.Marshal(partitionOffsetsData{
		Kind: "KafkaPartitionWithOffsets",
		Metadata: metadata{
			Self:         l.partition(cid, topic, p) + "/offset",
			ResourceName: crn("kafka", cid, "topic", topic, "partition", id+"/offset"),
		},
		ClusterID: cid, TopicName: topic, PartitionID: p,
		EarliestOffset: earliest, LatestOffset: latest,
	})
}

func (l Links) replicaData(cid, topic string, p int32, r Replica) replicaData {
	b := strconv.Itoa(int(r.Broker))
	return replicaData{
		Kind: "KafkaReplica",
		Metadata: metadata{
			Self:         l.replica(cid, topic, p, r.Broker),
			ResourceName: crn("kafka", cid, "topic", topic, "partition", strconv.Itoa(int(p)), "replica", b),
		},
		ClusterID: cid, TopicName: topic, PartitionID: p, BrokerID: r.Broker,
		IsLeader: r.Leader, IsInSync: r.InSync,
		Broker: related{l.broker(cid, r.Broker)},
	}
}

// ReplicaList renders GET /partitions/{partition_id}/replicas.
func (l Links) ReplicaList(cid, topic string, p int32, rs []Replica) ([]byte, error) {
	return renderList("KafkaReplicaList", l.replicas(cid, topic, p), rs, func(r *Replica) replicaData { return l.replicaData(cid, topic, p, *r) })
}

// Replica renders GET /partitions/{partition_id}/replicas/{broker_id}.
func (l Links) Replica(cid, topic string, p int32, r Replica) ([]byte, error) {
	return json.Marshal(l.replicaData(cid, topic, p, r))
}
