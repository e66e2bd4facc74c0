package kafka

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"
)

// Options configure a Client.
type Options struct {
	Name string
	// Properties are librdkafka settings (bootstrap.servers, security.protocol,
	// sasl.*, ssl.*, linger.ms, ...). They override topicgate's defaults.
	Properties map[string]string
	// ProduceTimeout bounds how long a record may wait for acknowledgement,
	// retries included (librdkafka's message.timeout.ms).
	ProduceTimeout time.Duration
	// RequestTimeout bounds each metadata or admin call.
	RequestTimeout time.Duration
	// MetadataTTL is how long cluster and topic metadata are cached.
	MetadataTTL time.Duration
	// Readers bounds the concurrent stateless reads (DefaultReaders if 0).
	Readers int
	Logger  *zap.Logger
}

// producerDefaults are topicgate's producer settings: durable and ordered
// (idempotent, acks=all), no topic auto-creation, and delivery reports that
// do not copy payloads back into Go.
var producerDefaults = map[string]string{
	"enable.idempotence":        "true",
	"acks":                      "all",
	"linger.ms":                 "5",
	"allow.auto.create.topics":  "false",
	"go.delivery.report.fields": "none",
	"partitioner":               "murmur2_random", // the Java client's key->partition mapping
}

// eventsChannelSize bounds the producer's Events() buffer; drainEvents
// empties it as it fills.
const eventsChannelSize = 10000

// Client is one Kafka cluster: a long-lived idempotent producer and an admin
// client sharing its connections. It is safe for concurrent use.
type Client struct {
	opts     Options
	producer *ck.Producer
	admin    *ck.AdminClient
	log      *zap.Logger
	drained  chan struct{}
	id       atomic.Pointer[string] // last cluster id Kafka reported

	cluster *ttlCache[ClusterInfo] // one entry, key ""
	list    *ttlCache[[]TopicInfo] // one entry, key ""
	topics  *ttlCache[TopicInfo]   // by topic name
	readers *readerPool            // consumers lent to stateless reads
}

// New creates the client. It does not wait for the cluster: Describe does.
func New(opts Options) (*Client, error) {
	cfg := ck.ConfigMap{}
	for k, v := range producerDefaults {
		cfg[k] = v
	}
	cfg["message.timeout.ms"] = strconv.FormatInt(opts.ProduceTimeout.Milliseconds(), 10)
	cfg["go.logs.channel.enable"] = true // librdkafka logs go to zap, not raw stderr
	// Delivery reports go to each request's own channel, so Events() carries
	// only errors and stray reports, and ProduceChannel() is never used:
	// their default buffers of a million entries would hold ~24 MiB that
	// every garbage collection scans.
	cfg["go.events.channel.size"] = eventsChannelSize
	cfg["go.produce.channel.size"] = 1
	for k, v := range opts.Properties {
		cfg[k] = v
	}
	p, err := ck.NewProducer(&cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: creating producer: %w", opts.Name, err)
	}
	a, err := ck.NewAdminClientFromProducer(p)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("cluster %s: creating admin client: %w", opts.Name, err)
	}
	c := &Client{
		opts: opts, producer: p, admin: a,
		log:     opts.Logger.With(zap.String("cluster", opts.Name)),
		drained: make(chan struct{}),
		cluster: newTTLCache[ClusterInfo](opts.MetadataTTL),
		list:    newTTLCache[[]TopicInfo](opts.MetadataTTL),
		topics:  newTTLCache[TopicInfo](opts.MetadataTTL),
	}
	c.readers = newReaderPool(opts, c.log)
	go c.drainEvents()
	go forwardLogs(c.log, p.Logs())
	return c, nil
}

// Name is the cluster's name in topicgate's configuration.
func (c *Client) Name() string { return c.opts.Name }

// ID is the cluster id Kafka last reported, "" before the first Describe.
func (c *Client) ID() string {
	if p := c.id.Load(); p != nil {
		return *p
	}
	return ""
}

// drainEvents reads the producer's event channel for its whole life: errors
// and stray reports arrive there, and an unread channel grows without bound.
func (c *Client) drainEvents() {
	defer close(c.drained)
	for ev := range c.producer.Events() {
		switch e := ev.(type) {
		case ck.Error:
			if e.IsFatal() {
				c.log.Error("fatal Kafka producer error", zap.Error(e))
			} else {
				c.log.Warn("Kafka client error", zap.Error(e))
			}
		case *ck.Message:
			c.log.Warn("delivery report without a waiting request", zap.Int32("partition", e.TopicPartition.Partition))
		default:
			c.log.Debug("Kafka event", zap.String("event", ev.String()))
		}
	}
}

// forwardLogs forwards librdkafka's log lines (syslog levels) to zap until
// the client closes the channel.
func forwardLogs(log *zap.Logger, logs chan ck.LogEvent) {
	for l := range logs {
		lvl := zap.DebugLevel
		switch {
		case l.Level <= 3:
			lvl = zap.ErrorLevel
		case l.Level == 4:
			lvl = zap.WarnLevel
		case l.Level <= 6:
			lvl = zap.InfoLevel
		}
		if ce := log.Check(lvl, l.Message); ce != nil {
			ce.Write(zap.String("source", "librdkafka"), zap.String("tag", l.Tag))
		}
	}
}

// ctx bounds one Kafka call by RequestTimeout, within the caller's deadline.
func (c *Client) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, c.opts.RequestTimeout)
}

// Describe returns the cluster's id, controller and brokers.
func (c *Client) Describe(ctx context.Context) (ClusterInfo, error) {
	return c.cluster.get("", func() (ClusterInfo, error) { return c.describeCluster(ctx) })
}

func (c *Client) describeCluster(ctx context.Context) (ClusterInfo, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.DescribeCluster(ctx, ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
	if err != nil {
		return ClusterInfo{}, err
	}
	info := ClusterInfo{ControllerID: -1}
	if res.ClusterID != nil {
		info.ID = *res.ClusterID
	}
	if res.Controller != nil {
		info.ControllerID = int32(res.Controller.ID)
	}
	for _, n := range res.Nodes {
		info.Brokers = append(info.Brokers, Broker{ID: int32(n.ID), Host: n.Host, Port: n.Port})
	}
	if info.ID == "" {
		return ClusterInfo{}, fmt.Errorf("cluster %s did not report a cluster id", c.opts.Name)
	}
	c.id.Store(&info.ID)
	return info, nil
}

// Topics lists the cluster's topics, sorted by name.
func (c *Client) Topics(ctx context.Context) ([]TopicInfo, error) {
	return c.list.get("", func() ([]TopicInfo, error) { return c.listTopics(ctx) })
}

func (c *Client) listTopics(ctx context.Context) ([]TopicInfo, error) {
	md, err := c.admin.GetMetadata(nil, true, int(remaining(ctx, c.opts.RequestTimeout).Milliseconds()))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(md.Topics))
	for name := range md.Topics {
		names = append(names, name)
	}
	sort.Strings(names)
	return c.describeTopics(ctx, names)
}

// Topic describes one topic, including its configs. An unknown topic is an
// error that ClientError maps to 404.
func (c *Client) Topic(ctx context.Context, name string) (TopicInfo, error) {
	return c.topics.get(name, func() (TopicInfo, error) { return c.describeTopic(ctx, name) })
}

// describeTopic loads a topic: its partitions and its configs, asked at once.
func (c *Client) describeTopic(ctx context.Context, name string) (TopicInfo, error) {
	var configs map[string][]ConfigEntry
	var cerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		configs, cerr = c.TopicConfigs(ctx, []string{name})
	}()
	ts, err := c.describeTopics(ctx, []string{name})
	<-done
	if err != nil {
		return TopicInfo{}, err
	}
	if cerr != nil {
		return TopicInfo{}, cerr
	}
	t := ts[0]
	t.Configs = configs[name]
	t.MaxMessageBytes = maxMessageBytes(t.Configs)
	return t, nil
}

// maxMessageBytes is the value of max.message.bytes, 0 when unknown.
func maxMessageBytes(configs []ConfigEntry) int {
	for _, e := range configs {
		if e.Name == "max.message.bytes" && e.Value != nil {
			n, _ := strconv.Atoi(*e.Value)
			return n
		}
	}
	return 0
}

func (c *Client) describeTopics(ctx context.Context, names []string) ([]TopicInfo, error) {
	if len(names) == 0 {
		return []TopicInfo{}, nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.DescribeTopics(ctx, ck.NewTopicCollectionOfTopicNames(names), ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
	if err != nil {
		return nil, err
	}
	out := make([]TopicInfo, 0, len(res.TopicDescriptions))
	for _, d := range res.TopicDescriptions {
		if d.Error.Code() != ck.ErrNoError {
			if len(names) == 1 {
				return nil, d.Error
			}
			continue // deleted between the two calls: leave it out
		}
		t := TopicInfo{Name: d.Name, Internal: d.IsInternal || internalTopics[d.Name]}
		for _, p := range d.Partitions {
			pi := PartitionInfo{ID: int32(p.Partition), Leader: -1}
			if p.Leader != nil {
				pi.Leader = int32(p.Leader.ID)
			}
			for _, r := range p.Replicas {
				pi.Replicas = append(pi.Replicas, int32(r.ID))
			}
			for _, r := range p.Isr {
				pi.ISR = append(pi.ISR, int32(r.ID))
			}
			t.Partitions = append(t.Partitions, pi)
		}
		sort.Slice(t.Partitions, func(i, j int) bool { return t.Partitions[i].ID < t.Partitions[j].ID })
		if len(t.Partitions) > 0 {
			t.ReplicationFactor = len(t.Partitions[0].Replicas)
		}
		out = append(out, t)
	}
	return out, nil
}

// Produce sends msgs and waits for every delivery report, or for ctx to end.
// The result has one Delivery per message, in order. Reports go to a channel
// buffered for all of them, so a request that stops waiting never blocks the
// producer's poller.
func (c *Client) Produce(ctx context.Context, msgs []Message) []Delivery {
	out := make([]Delivery, len(msgs))
	done := make([]bool, len(msgs))
	ch := make(chan ck.Event, len(msgs))
	pending := 0
	now := time.Now()
	for i := range msgs {
		m := &msgs[i]
		if err := c.producer.Produce(toKafka(m, now, i), ch); err != nil {
			out[i] = Delivery{Partition: m.Partition, Offset: -1, Err: err}
			done[i] = true
			continue
		}
		pending++
	}
	for pending > 0 {
		select {
		case ev := <-ch:
			m, ok := ev.(*ck.Message)
			if !ok {
				continue
			}
			i, ok := m.Opaque.(int)
			if !ok || i < 0 || i >= len(out) || done[i] {
				continue
			}
			out[i] = Delivery{
				Partition: m.TopicPartition.Partition,
				Offset:    int64(m.TopicPartition.Offset),
				// Delivery reports carry no timestamp: report the CreateTime
				// the record was sent with.
				Timestamp: msgs[i].Timestamp.Truncate(time.Millisecond), // Kafka keeps ms
				Err:       m.TopicPartition.Error,
			}
			done[i] = true
			pending--
		case <-ctx.Done():
			for i := range out {
				if !done[i] {
					out[i] = Delivery{Partition: msgs[i].Partition, Offset: -1, Err: ctx.Err()}
				}
			}
			return out
		}
	}
	return out
}

// Close flushes what is queued for up to timeout, drops what is left (its
// requests have already been answered with an error, or will be), and closes.
func (c *Client) Close(timeout time.Duration) {
	if left := c.producer.Flush(int(timeout.Milliseconds())); left > 0 {
		c.log.Warn("records still queued at shutdown; purging", zap.Int("records", left))
		_ = c.producer.Purge(ck.PurgeQueue | ck.PurgeInFlight | ck.PurgeNonBlocking)
		c.producer.Flush(500)
	}
	c.readers.close()
	c.admin.Close()
	c.producer.Close()
	<-c.drained
}
