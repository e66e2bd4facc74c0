package kafka

import (
	"context"
	"fmt"
	"sort"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// NewTopic is a topic to create.
type NewTopic struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	// Assignment, when set, places each partition's replicas (index =
	// partition, first broker preferred); Partitions must equal its length
	// and ReplicationFactor must be 0.
	Assignment [][]int32
	Configs    map[string]string
}

// ConfigEntry is one configuration parameter of a topic or a broker.
type ConfigEntry struct {
	Name      string
	Value     *string // nil: sensitive, or no value
	Source    string  // Kafka's name for it: DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...
	ReadOnly  bool
	Default   bool
	Sensitive bool
	Synonyms  []ConfigSynonym // in order of precedence
}

// ConfigSynonym is a config that supplies a ConfigEntry's value when it is
// not set itself (a broker default for a topic config, say).
type ConfigSynonym struct {
	Name   string
	Value  *string
	Source string
}

// ConfigChange is one change of an incremental alter: set Name to Value, or,
// with Delete, remove the override so the default applies again.
type ConfigChange struct {
	Name   string
	Value  string
	Delete bool
}

// CreateTopic creates a topic, or with validateOnly only asks Kafka whether it
// could. The metadata caches forget the name, so the next read sees it.
func (c *Client) CreateTopic(ctx context.Context, t NewTopic, validateOnly bool) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	spec := ck.TopicSpecification{
		Topic: t.Name, NumPartitions: t.Partitions, ReplicationFactor: t.ReplicationFactor,
		ReplicaAssignment: t.Assignment, Config: t.Configs,
	}
	res, err := c.admin.CreateTopics(ctx, []ck.TopicSpecification{spec},
		ck.SetAdminRequestTimeout(c.opts.RequestTimeout), ck.SetAdminOperationTimeout(c.opts.RequestTimeout),
		ck.SetAdminValidateOnly(validateOnly))
	if !validateOnly {
		c.forgetTopic(t.Name)
	}
	return topicResult(res, err)
}

// DeleteTopic deletes a topic. An unknown topic is an error ClientError maps
// to 404.
func (c *Client) DeleteTopic(ctx context.Context, name string) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.DeleteTopics(ctx, []string{name},
		ck.SetAdminRequestTimeout(c.opts.RequestTimeout), ck.SetAdminOperationTimeout(c.opts.RequestTimeout))
	c.forgetTopic(name)
	return topicResult(res, err)
}

// CreatePartitions raises a topic's partition count to total.
func (c *Client) CreatePartitions(ctx context.Context, topic string, total int) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.CreatePartitions(ctx, []ck.PartitionsSpecification{{Topic: topic, IncreaseTo: total}},
		ck.SetAdminRequestTimeout(c.opts.RequestTimeout), ck.SetAdminOperationTimeout(c.opts.RequestTimeout))
	c.forgetTopic(topic)
	return topicResult(res, err)
}

// topicResult turns the answer of a one-topic admin call into an error.
func topicResult(res []ck.TopicResult, err error) error {
	if err != nil {
		return err
	}
	if len(res) != 1 {
		return fmt.Errorf("admin call answered %d topic results, want 1", len(res))
	}
	if res[0].Error.Code() != ck.ErrNoError {
		return res[0].Error
	}
	return nil
}

// forgetTopic drops what the caches hold about a topic and the topic list.
func (c *Client) forgetTopic(name string) {
	c.topics.forget(name)
	c.list.forget("")
}

// TopicConfigs describes the configs of the named topics, by topic, in one
// DescribeConfigs call. It is not cached: one topic's configs are in its
// cached TopicInfo (Topic loads them with this). With one name, an unknown
// topic is an error (404); with several, topics that vanish meanwhile are
// left out.
func (c *Client) TopicConfigs(ctx context.Context, topics []string) (map[string][]ConfigEntry, error) {
	out := make(map[string][]ConfigEntry, len(topics))
	if len(topics) == 0 {
		return out, nil
	}
	rs := make([]ck.ConfigResource, len(topics))
	for i, t := range topics {
		rs[i] = ck.ConfigResource{Type: ck.ResourceTopic, Name: t}
	}
	res, err := c.describeConfigs(ctx, rs)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if r.Error.Code() != ck.ErrNoError {
			if len(topics) == 1 {
				return nil, r.Error
			}
			continue
		}
		out[r.Name] = configEntries(r.Config)
	}
	return out, nil
}

// BrokerConfigs describes the configs of one broker.
func (c *Client) BrokerConfigs(ctx context.Context, broker int32) ([]ConfigEntry, error) {
	res, err := c.describeConfigs(ctx, []ck.ConfigResource{{Type: ck.ResourceBroker, Name: fmt.Sprint(broker)}})
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, fmt.Errorf("describe configs of broker %d: %d results", broker, len(res))
	}
	if res[0].Error.Code() != ck.ErrNoError {
		return nil, res[0].Error
	}
	return configEntries(res[0].Config), nil
}

func (c *Client) describeConfigs(ctx context.Context, rs []ck.ConfigResource) ([]ck.ConfigResourceResult, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	return c.admin.DescribeConfigs(ctx, rs, ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
}

// AlterTopicConfigs applies changes to a topic's configs incrementally (other
// configs keep their values). Kafka checks all changes of a resource before
// applying any, so a bad one changes nothing.
func (c *Client) AlterTopicConfigs(ctx context.Context, topic string, changes []ConfigChange, validateOnly bool) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	r := ck.ConfigResource{Type: ck.ResourceTopic, Name: topic}
	for _, ch := range changes {
		op := ck.AlterConfigOpTypeSet
		if ch.Delete {
			op = ck.AlterConfigOpTypeDelete
		}
		r.Config = append(r.Config, ck.ConfigEntry{Name: ch.Name, Value: ch.Value, IncrementalOperation: op})
	}
	res, err := c.admin.IncrementalAlterConfigs(ctx, []ck.ConfigResource{r},
		ck.SetAdminRequestTimeout(c.opts.RequestTimeout), ck.SetAdminValidateOnly(validateOnly))
	if !validateOnly {
		c.forgetTopic(topic) // the configs are cached with the topic
	}
	if err != nil {
		return err
	}
	if len(res) != 1 {
		return fmt.Errorf("alter configs of %s: %d results", topic, len(res))
	}
	if res[0].Error.Code() != ck.ErrNoError {
		return res[0].Error
	}
	return nil
}

// sourceRank orders config sources by precedence, highest first.
var sourceRank = map[string]int{
	"DYNAMIC_TOPIC_CONFIG": 0, "DYNAMIC_BROKER_LOGGER_CONFIG": 1, "DYNAMIC_BROKER_CONFIG": 2,
	"DYNAMIC_DEFAULT_BROKER_CONFIG": 3, "STATIC_BROKER_CONFIG": 4, "DEFAULT_CONFIG": 5,
}

func configSource(s ck.ConfigSource) string {
	name := s.String()
	if _, ok := sourceRank[name]; !ok {
		return "UNKNOWN"
	}
	return name
}

// configEntries converts described configs, sorted by name.
func configEntries(m map[string]ck.ConfigEntryResult) []ConfigEntry {
	out := make([]ConfigEntry, 0, len(m))
	for _, e := range m {
		ce := ConfigEntry{
			Name: e.Name, Source: configSource(e.Source),
			ReadOnly: e.IsReadOnly, Default: e.IsDefault, Sensitive: e.IsSensitive,
		}
		if !e.IsSensitive {
			ce.Value = &e.Value
		}
		for _, s := range e.Synonyms {
			syn := ConfigSynonym{Name: s.Name, Source: configSource(s.Source)}
			if !e.IsSensitive {
				v := s.Value
				syn.Value = &v
			}
			ce.Synonyms = append(ce.Synonyms, syn)
		}
		sort.SliceStable(ce.Synonyms, func(i, j int) bool {
			a, b := ce.Synonyms[i], ce.Synonyms[j]
			if ra, rb := rank(a.Source), rank(b.Source); ra != rb {
				return ra < rb
			}
			return a.Name < b.Name
		})
		out = append(out, ce)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func rank(source string) int {
	if r, ok := sourceRank[source]; ok {
		return r
	}
	return len(sourceRank)
}

// internalTopics are Kafka's own topics (Java's Topic.isInternal). The
// describe answer of a KRaft broker, as librdkafka reports it, does not
// always flag them, so the names decide too.
var internalTopics = map[string]bool{
	"__consumer_offsets": true, "__transaction_state": true, "__share_group_state": true,
}
