package gateway

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// adminCluster is what the admin endpoints need of a cluster: brokers,
// configs, topic creation and deletion, partitions and their offsets.
type adminCluster interface {
	CreateTopic(ctx context.Context, t kafka.NewTopic, validateOnly bool) error
	DeleteTopic(ctx context.Context, name string) error
	CreatePartitions(ctx context.Context, topic string, total int) error
	// TopicConfigs describes many topics' configs at once; one topic's
	// are in its TopicInfo.
	TopicConfigs(ctx context.Context, topics []string) (map[string][]kafka.ConfigEntry, error)
	BrokerConfigs(ctx context.Context, broker int32) ([]kafka.ConfigEntry, error)
	AlterTopicConfigs(ctx context.Context, topic string, changes []kafka.ConfigChange, validateOnly bool) error
	// ListOffsets looks up one offset (earliest, latest, at a time) of
	// each partition; kafka.Watermarks asks for both ends.
	ListOffsets(ctx context.Context, parts []kafka.TopicPartition, spec kafka.OffsetSpec) (map[kafka.TopicPartition]int64, error)
}

func (c *call) adminLinks() kafkarest.Links {
	return kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
}

// adminAnswer answers a rendered body (200), or the error of rendering or of
// the Kafka call that fed it.
func (c *call) adminAnswer(body []byte, err error) *Response {
	if err != nil {
		return c.fail(kafka.ClientError(err))
	}
	return c.respond(http.StatusOK, body)
}

// brokers answers GET /brokers and GET /brokers/{broker_id}.
func (c *call) brokers(ctx context.Context) (*Response, BodyFunc) {
	info, err := c.cluster.Describe(ctx)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	if c.route.BrokerID == nil {
		bs := make([]kafkarest.Broker, len(info.Brokers))
		for i, b := range info.Brokers {
			bs[i] = kafkarest.Broker{ID: b.ID, Host: b.Host, Port: b.Port}
		}
		return c.adminAnswer(c.adminLinks().BrokerList(info.ID, bs)), nil
	}
	b, err := adminFindBroker(&info, *c.route.BrokerID)
	if err != nil {
		return c.fail(err), nil
	}
	return c.adminAnswer(c.adminLinks().Broker(info.ID, kafkarest.Broker{ID: b.ID, Host: b.Host, Port: b.Port})), nil
}

func adminFindBroker(info *kafka.ClusterInfo, id int32) (kafka.Broker, error) {
	for _, b := range info.Brokers {
		if b.ID == id {
			return b, nil
		}
	}
	return kafka.Broker{}, apierr.New(http.StatusNotFound, 404, "Broker %d cannot be found.", id)
}

// brokerConfigs answers GET /brokers/-/configs, /brokers/{id}/configs and
// /brokers/{id}/configs/{name}.
func (c *call) brokerConfigs(ctx context.Context) (*Response, BodyFunc) {
	info, err := c.cluster.Describe(ctx)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	ids := make([]int32, 0, len(info.Brokers))
	if c.route.BrokerID == nil {
		for _, b := range info.Brokers {
			ids = append(ids, b.ID)
		}
	} else {
		if _, err := adminFindBroker(&info, *c.route.BrokerID); err != nil {
			return c.fail(err), nil
		}
		ids = append(ids, *c.route.BrokerID)
	}
	byBroker, err := c.brokerConfigEntries(ctx, ids)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	var out []kafkarest.BrokerConfig
	for i, id := range ids {
		for _, e := range byBroker[i] {
			out = append(out, kafkarest.BrokerConfig{BrokerID: id, Config: adminConfig(e)})
		}
	}
	links := c.adminLinks()
	switch {
	case c.route.BrokerID == nil:
		return c.adminAnswer(links.BrokerConfigList(info.ID, -1, out)), nil
	case c.route.Config == "":
		return c.adminAnswer(links.BrokerConfigList(info.ID, *c.route.BrokerID, out)), nil
	}
	for _, bc := range out {
		if bc.Name == c.route.Config {
			return c.adminAnswer(links.BrokerConfig(info.ID, bc)), nil
		}
	}
	return c.fail(apierr.New(http.StatusNotFound, 404, "Config %s cannot be found for broker %d.", c.route.Config, *c.route.BrokerID)), nil
}

// brokerConfigEntries asks every broker for its configs at once, so that
// /brokers/-/configs takes one round trip, not one per broker. The first
// error (in broker order) fails it.
func (c *call) brokerConfigEntries(ctx context.Context, ids []int32) ([][]kafka.ConfigEntry, error) {
	out := make([][]kafka.ConfigEntry, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = c.cluster.BrokerConfigs(ctx, id)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func adminConfig(e kafka.ConfigEntry) kafkarest.Config {
	out := kafkarest.Config{
		Name: e.Name, Value: e.Value, Source: e.Source,
		ReadOnly: e.ReadOnly, Default: e.Default, Sensitive: e.Sensitive,
	}
	for _, s := range e.Synonyms {
		out.Synonyms = append(out.Synonyms, kafkarest.ConfigSynonym{Name: s.Name, Value: s.Value, Source: s.Source})
	}
	return out
}

// createTopic answers POST /topics (v3) and POST /admin/topics (v2). The
// topic is named in the body, so the policy is asked once it is parsed.
func (c *call) createTopic(ctx context.Context) (*Response, BodyFunc) {
	return c.expectBody(ctx, createTopicCheck(c.route.API), false, func(ctx context.Context, body []byte) *Response {
		req, err := kafkarest.ParseCreateTopic(c.route.API, body)
		if err != nil {
			return c.fail(err)
		}
		if deny := c.authorizeAdmin(ctx, kafkarest.OpCreate, kafkarest.ResourceTopic, req.Name, createTopicAdmin(&req)); deny != nil {
			return deny
		}
		t, err := c.adminNewTopic(ctx, &req)
		if err != nil {
			return c.fail(kafka.ClientError(err))
		}
		if err := c.cluster.CreateTopic(ctx, t, req.ValidateOnly); err != nil {
			return c.fail(kafka.ClientError(err))
		}
		if c.route.API == "v2" {
			return c.respond(http.StatusCreated, nil)
		}
		rf := t.ReplicationFactor
		if len(t.Assignment) > 0 {
			rf = len(t.Assignment[0])
		}
		links := c.adminLinks()
		b, err := links.Topic(c.cluster.ID(), kafkarest.Topic{
			Name: t.Name, ReplicationFactor: rf, Partitions: make([]kafkarest.Partition, t.Partitions),
		})
		if err != nil {
			return c.fail(err)
		}
		if req.ValidateOnly {
			return c.respond(http.StatusOK, b) // a dry run: nothing created
		}
		resp := c.respond(http.StatusCreated, b)
		resp.Headers["location"] = links.TopicSelf(c.cluster.ID(), t.Name)
		return resp
	})
}

// createTopicCheck is the media type check of a create-topic body.
func createTopicCheck(api string) bodyCheck {
	if api == "v2" {
		return kafkarest.CheckV2CreateTopicContentType
	}
	return kafkarest.CheckJSONContentType
}

// adminNewTopic fills in the counts the request left to the broker, from the
// broker's num.partitions and default.replication.factor, so that the answer
// can say what was created (or, in a dry run, would be).
func (c *call) adminNewTopic(ctx context.Context, req *kafkarest.CreateTopicRequest) (kafka.NewTopic, error) {
	t := kafka.NewTopic{Name: req.Name, Configs: req.Configs, Assignment: req.Assignment}
	if req.Assignment != nil {
		t.Partitions = len(req.Assignment)
		return t, nil
	}
	if req.Partitions != nil && req.ReplicationFactor != nil {
		t.Partitions, t.ReplicationFactor = int(*req.Partitions), int(*req.ReplicationFactor)
		return t, nil
	}
	info, err := c.cluster.Describe(ctx)
	if err != nil {
		return t, err
	}
	if len(info.Brokers) == 0 {
		return t, apierr.New(http.StatusServiceUnavailable, 50003, "The Kafka cluster reports no brokers; retry later.")
	}
	broker := info.Brokers[0].ID
	if _, err := adminFindBroker(&info, info.ControllerID); err == nil {
		broker = info.ControllerID
	}
	es, err := c.cluster.BrokerConfigs(ctx, broker)
	if err != nil {
		return t, err
	}
	t.Partitions, t.ReplicationFactor = 1, 1 // Kafka's defaults, should the broker not say
	for _, e := range es {
		if e.Value == nil {
			continue
		}
		n, err := strconv.Atoi(*e.Value)
		if err != nil || n < 1 {
			continue
		}
		switch e.Name {
		case "num.partitions":
			t.Partitions = n
		case "default.replication.factor":
			t.ReplicationFactor = n
		}
	}
	if req.Partitions != nil {
		t.Partitions = int(*req.Partitions)
	}
	if req.ReplicationFactor != nil {
		t.ReplicationFactor = int(*req.ReplicationFactor)
	}
	return t, nil
}

// deleteTopic answers DELETE /topics/{topic_name}.
func (c *call) deleteTopic(ctx context.Context) (*Response, BodyFunc) {
	if err := c.cluster.DeleteTopic(ctx, c.route.Topic); err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	return c.respond(http.StatusNoContent, nil), nil
}

// updatePartitionCount answers PATCH /topics/{topic_name}: more partitions.
func (c *call) updatePartitionCount(ctx context.Context) (*Response, BodyFunc) {
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		n, err := kafkarest.ParsePartitionsCount(body)
		if err != nil {
			return c.fail(err)
		}
		if deny := c.authorizePartitionCount(ctx, int(n)); deny != nil {
			return deny
		}
		t, err := c.cluster.Topic(ctx, c.route.Topic)
		if err != nil {
			return c.fail(kafka.ClientError(err))
		}
		if int(n) <= len(t.Partitions) {
			return c.fail(apierr.New(http.StatusBadRequest, 40002,
				"Topic already has %d partitions; partitions_count must be larger to add partitions (Kafka cannot remove them), got %d.",
				len(t.Partitions), n))
		}
		if err := c.cluster.CreatePartitions(ctx, t.Name, int(n)); err != nil {
			return c.fail(kafka.ClientError(err))
		}
		out := restTopic(&t)
		for i := len(out.Partitions); i < int(n); i++ {
			out.Partitions = append(out.Partitions, kafkarest.Partition{ID: int32(i), Leader: -1})
		}
		return c.adminAnswer(c.adminLinks().Topic(c.cluster.ID(), out))
	})
}

// createTopicAdmin is what a create-topic request asks for, for the policy.
// Configs are sorted by name, so policies and logs see a stable order.
func createTopicAdmin(req *kafkarest.CreateTopicRequest) *policy.Admin {
	a := &policy.Admin{ValidateOnly: req.ValidateOnly}
	switch {
	case req.Partitions != nil:
		n := int(*req.Partitions)
		a.PartitionsCount = &n
	case req.Assignment != nil:
		n := len(req.Assignment)
		a.PartitionsCount = &n
	}
	switch {
	case req.ReplicationFactor != nil:
		n := int(*req.ReplicationFactor)
		a.ReplicationFactor = &n
	case len(req.Assignment) > 0:
		n := len(req.Assignment[0])
		a.ReplicationFactor = &n
	}
	for _, name := range slices.Sorted(maps.Keys(req.Configs)) {
		v := req.Configs[name]
		a.Configs = append(a.Configs, policy.AdminConfig{Name: name, Value: &v, Operation: "SET"})
	}
	return a
}

// authorizePartitionCount decides a partition change with the new count in
// input.admin.
func (c *call) authorizePartitionCount(ctx context.Context, n int) *Response {
	return c.authorizeAdmin(ctx, c.route.Operation, kafkarest.ResourceTopic, c.route.Topic, &policy.Admin{PartitionsCount: &n})
}
