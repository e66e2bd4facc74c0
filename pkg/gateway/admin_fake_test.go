package gateway_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/pkg/kafka"
)

// adminFake is the admin state of a fakeCluster: topic config overrides,
// broker configs, and every write it was asked for.
type adminFake struct {
	overrides map[string]map[string]string // topic -> name -> value
	created   []adminFakeCreate
	altered   [][]kafka.ConfigChange
	deleted   []string
	raisedTo  []int

	describeConfigs int // TopicConfigs calls
	// brokerConfigs, when set, answers BrokerConfigs.
	brokerConfigs func(broker int32) ([]kafka.ConfigEntry, error)
}

type adminFakeCreate struct {
	topic        kafka.NewTopic
	validateOnly bool
}

// adminFakeDefaults are the topic configs every fake topic has.
var adminFakeDefaults = map[string]string{
	"cleanup.policy": "delete", "retention.ms": "604800000", "max.message.bytes": "1048588",
}

func adminFakeUnknownTopic() error {
	return ck.NewError(ck.ErrUnknownTopicOrPart, "Broker: Unknown topic or partition", false)
}

// adminFakeCheck refuses values Kafka would refuse: retention.ms must be a
// number, cleanup.policy delete or compact, and names must be known.
func adminFakeCheck(name, value string) error {
	switch name {
	case "retention.ms", "max.message.bytes":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return ck.NewError(ck.ErrInvalidConfig, fmt.Sprintf("Invalid value %s for configuration %s: Not a number of type LONG", value, name), false)
		}
	case "cleanup.policy":
		if value != "delete" && value != "compact" {
			return ck.NewError(ck.ErrInvalidConfig, fmt.Sprintf("Invalid value %s for configuration cleanup.policy", value), false)
		}
	default:
		return ck.NewError(ck.ErrInvalidConfig, "Unknown topic config name: "+name, false)
	}
	return nil
}

func (c *fakeCluster) CreateTopic(_ context.Context, t kafka.NewTopic, validateOnly bool) error {
	if _, ok := c.topics[t.Name]; ok {
		return ck.NewError(ck.ErrTopicAlreadyExists, fmt.Sprintf("Topic '%s' already exists.", t.Name), false)
	}
	for n, v := range t.Configs {
		if err := adminFakeCheck(n, v); err != nil {
			return err
		}
	}
	c.admin.created = append(c.admin.created, adminFakeCreate{t, validateOnly})
	if validateOnly {
		return nil
	}
	info := kafka.TopicInfo{Name: t.Name, ReplicationFactor: t.ReplicationFactor}
	for i := 0; i < t.Partitions; i++ {
		info.Partitions = append(info.Partitions, kafka.PartitionInfo{ID: int32(i), Leader: 1, Replicas: []int32{1}, ISR: []int32{1}})
	}
	c.topics[t.Name] = info
	if len(t.Configs) > 0 {
		if c.admin.overrides == nil {
			c.admin.overrides = map[string]map[string]string{}
		}
		c.admin.overrides[t.Name] = t.Configs
	}
	return nil
}

func (c *fakeCluster) DeleteTopic(_ context.Context, name string) error {
	if _, ok := c.topics[name]; !ok {
		return adminFakeUnknownTopic()
	}
	delete(c.topics, name)
	c.admin.deleted = append(c.admin.deleted, name)
	return nil
}

func (c *fakeCluster) CreatePartitions(_ context.Context, topic string, total int) error {
	t, ok := c.topics[topic]
	if !ok {
		return adminFakeUnknownTopic()
	}
	for i := len(t.Partitions); i < total; i++ {
		t.Partitions = append(t.Partitions, kafka.PartitionInfo{ID: int32(i), Leader: 1})
	}
	c.topics[topic] = t
	c.admin.raisedTo = append(c.admin.raisedTo, total)
	return nil
}

// TopicConfigs describes topics' configs like Kafka's DescribeConfigs.
func (c *fakeCluster) TopicConfigs(_ context.Context, topics []string) (map[string][]kafka.ConfigEntry, error) {
	c.admin.describeConfigs++
	out := map[string][]kafka.ConfigEntry{}
	for _, t := range topics {
		if _, ok := c.topics[t]; !ok {
			if len(topics) == 1 {
				return nil, adminFakeUnknownTopic()
			}
			continue
		}
		out[t] = c.adminFakeConfigs(t)
	}
	return out, nil
}

// adminFakeConfigs are a topic's configs: the defaults and its overrides.
func (c *fakeCluster) adminFakeConfigs(t string) []kafka.ConfigEntry {
	var es []kafka.ConfigEntry
	for n, def := range adminFakeDefaults {
		v, src, isDefault := def, "DEFAULT_CONFIG", true
		if o, ok := c.admin.overrides[t][n]; ok {
			v, src, isDefault = o, "DYNAMIC_TOPIC_CONFIG", false
		}
		es = append(es, kafka.ConfigEntry{Name: n, Value: &v, Source: src, Default: isDefault,
			Synonyms: []kafka.ConfigSynonym{{Name: "log." + n, Value: &def, Source: "DEFAULT_CONFIG"}}})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	return es
}

func (c *fakeCluster) BrokerConfigs(_ context.Context, broker int32) ([]kafka.ConfigEntry, error) {
	if c.admin.brokerConfigs != nil {
		return c.admin.brokerConfigs(broker)
	}
	one := "1"
	return []kafka.ConfigEntry{
		{Name: "default.replication.factor", Value: &one, Source: "DEFAULT_CONFIG", Default: true},
		{Name: "num.partitions", Value: &one, Source: "STATIC_BROKER_CONFIG", ReadOnly: true},
		{Name: "ssl.key.password", Source: "STATIC_BROKER_CONFIG", Sensitive: true},
	}, nil
}

func (c *fakeCluster) AlterTopicConfigs(_ context.Context, topic string, changes []kafka.ConfigChange, validateOnly bool) error {
	if _, ok := c.topics[topic]; !ok {
		return adminFakeUnknownTopic()
	}
	for _, ch := range changes {
		if ch.Delete {
			if _, ok := adminFakeDefaults[ch.Name]; !ok {
				return adminFakeCheck(ch.Name, "")
			}
			continue
		}
		if err := adminFakeCheck(ch.Name, ch.Value); err != nil {
			return err
		}
	}
	c.admin.altered = append(c.admin.altered, changes)
	if validateOnly {
		return nil
	}
	if c.admin.overrides == nil {
		c.admin.overrides = map[string]map[string]string{}
	}
	if c.admin.overrides[topic] == nil {
		c.admin.overrides[topic] = map[string]string{}
	}
	for _, ch := range changes {
		if ch.Delete {
			delete(c.admin.overrides[topic], ch.Name)
		} else {
			c.admin.overrides[topic][ch.Name] = ch.Value
		}
	}
	return nil
}
