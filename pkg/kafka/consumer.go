package kafka

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Logical offsets for ConsumerOffset.Offset.
const (
	OffsetBeginning int64 = int64(ck.OffsetBeginning)
	OffsetEnd       int64 = int64(ck.OffsetEnd)
)

// ConsumerSettings configure one consumer instance. Zero values keep the
// defaults of the Strimzi bridge (which are Kafka's Java client's).
type ConsumerSettings struct {
	Group    string
	ClientID string
	// AutoOffsetReset is "earliest", "latest" or "none" ("": latest).
	AutoOffsetReset string
	// AutoCommit commits the offsets of records handed to the client in the
	// background (enable.auto.commit).
	AutoCommit bool
	// FetchMinBytes is fetch.min.bytes (0: librdkafka's default of 1).
	FetchMinBytes int
	// IsolationLevel is "read_committed" or "read_uncommitted" ("": read_uncommitted, as the bridge).
	IsolationLevel string
}

// ConsumerPartition names a partition of a topic.
type ConsumerPartition struct {
	Topic     string
	Partition int32
}

// ConsumerOffset is an offset of a partition: to commit, or to seek to
// (OffsetBeginning and OffsetEnd are allowed for seeks).
type ConsumerOffset struct {
	Topic     string
	Partition int32
	Offset    int64
}

// Consumer is one consumer instance's Kafka consumer. It is not safe for
// concurrent use: its owner (pkg/consumer) calls it from one goroutine at a
// time.
type Consumer struct {
	c        *ck.Consumer
	q        pollQueue // c; a fake in tests
	log      *zap.Logger
	logsDone chan struct{}
	// subscribed: it reads a subscription (topics or a pattern), not
	// partitions assigned by hand.
	subscribed bool
}

// pollQueue is what Poll needs of the librdkafka consumer.
type pollQueue interface {
	Poll(timeoutMs int) ck.Event
	Seek(tp ck.TopicPartition, ignoredTimeoutMs int) error
	StoreOffsets(offsets []ck.TopicPartition) ([]ck.TopicPartition, error)
}

// NewConsumer builds a consumer with the cluster's connection properties and
// the instance's settings. It does not contact Kafka until it subscribes or
// is assigned partitions.
//
// Offsets are stored explicitly (enable.auto.offset.store=false): only records
// handed to the client count as consumed, so neither a commit nor the
// background auto-commit can skip a record that was fetched but not returned.
func (c *Client) NewConsumer(s ConsumerSettings) (*Consumer, error) {
	cfg := ck.ConfigMap{}
	for k, v := range c.opts.Properties {
		// The connection settings; producer tuning would only draw warnings.
		if _, producerOnly := producerDefaults[k]; !producerOnly {
			cfg[k] = v
		}
	}
	cfg["group.id"] = s.Group
	cfg["client.id"] = s.ClientID
	cfg["enable.auto.commit"] = s.AutoCommit
	cfg["enable.auto.offset.store"] = false
	cfg["allow.auto.create.topics"] = false
	cfg["isolation.level"] = "read_uncommitted"
	if s.IsolationLevel != "" {
		cfg["isolation.level"] = s.IsolationLevel
	}
	switch s.AutoOffsetReset {
	case "":
	case "none":
		cfg["auto.offset.reset"] = "error" // librdkafka's name for it
	default:
		cfg["auto.offset.reset"] = s.AutoOffsetReset
	}
	if s.FetchMinBytes > 0 {
		cfg["fetch.min.bytes"] = s.FetchMinBytes
	}
	cfg["go.logs.channel.enable"] = true
	kc, err := ck.NewConsumer(&cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: creating consumer: %w", c.opts.Name, err)
	}
	k := &Consumer{
		c:        kc,
		q:        kc,
		log:      c.log.With(zap.String("group", s.Group), zap.String("consumer", s.ClientID)),
		logsDone: make(chan struct{}),
	}
	go func() { defer close(k.logsDone); forwardLogs(k.log, kc.Logs()) }()
	return k, nil
}

// Subscribe subscribes to a list of topics, replacing any subscription.
func (k *Consumer) Subscribe(topics []string) error {
	return k.subscribe(topics)
}

// SubscribePattern subscribes to every topic whose whole name matches the
// regular expression, as the bridge's (Java) pattern subscriptions do.
func (k *Consumer) SubscribePattern(pattern string) error {
	return k.subscribe([]string{"^(" + pattern + ")$"})
}

func (k *Consumer) subscribe(topics []string) error {
	if err := k.c.SubscribeTopics(topics, nil); err != nil {
		return err
	}
	k.subscribed = true
	return nil
}

// Unsubscribe ends a subscription.
func (k *Consumer) Unsubscribe() error {
	if err := k.c.Unsubscribe(); err != nil {
		return err
	}
	k.subscribed = false
	return nil
}

// Assign assigns partitions by hand; each starts at the group's committed
// offset, or where auto.offset.reset says.
func (k *Consumer) Assign(parts []ConsumerPartition) error {
	tps := make([]ck.TopicPartition, len(parts))
	for i, p := range parts {
		tps[i] = ck.TopicPartition{Topic: &parts[i].Topic, Partition: p.Partition, Offset: ck.OffsetStored}
	}
	if err := k.c.Assign(tps); err != nil {
		return err
	}
	k.subscribed = false
	return nil
}

// Unassign drops a manual assignment.
func (k *Consumer) Unassign() error { return k.c.Unassign() }

// Assignment is the partitions the consumer holds now.
func (k *Consumer) Assignment() ([]ConsumerPartition, error) {
	tps, err := k.c.Assignment()
	if err != nil {
		return nil, err
	}
	out := make([]ConsumerPartition, len(tps))
	for i, tp := range tps {
		out[i] = ConsumerPartition{Topic: *tp.Topic, Partition: tp.Partition}
	}
	return out, nil
}

// Poll returns the records available within wait: it waits for the first
// one, then takes what is already fetched, up to maxRecords and maxBytes (key,
// value and header bytes). A record that does not fit is left for the next
// poll (the partition is rewound to it); a first record larger than maxBytes
// is a 422, and stays unconsumed too.
//
// accept, if not nil, decides each record before it is taken (the instance's
// format, the caller's right to read its topic). A record it refuses is left
// for the next poll like one that does not fit; when it is the first, Poll
// answers accept's error and consumes nothing.
//
// A consumer error that no retry mends (endsPoll) ends the poll with it;
// others are logged and waited out.
//
// Only records returned are marked consumed (stored for commits and
// auto-commit). When ctx ends during the poll, or an error ends it, every
// partition is rewound to its first record not returned and nothing is stored.
func (k *Consumer) Poll(ctx context.Context, wait time.Duration, maxBytes, maxRecords int, accept func(*Record) error) ([]Record, error) {
	deadline := time.Now().Add(wait)
	var out []Record
	size := 0
	for polled := false; len(out) < maxRecords && ctx.Err() == nil; polled = true {
		ms := 0 // once there are records, take only what is already fetched
		if len(out) == 0 {
			// Without wait left (timeout=0, or the budget spent waiting for
			// a busy instance), one non-blocking poll still takes what is
			// already fetched, as the bridge does.
			left := time.Until(deadline)
			if left <= 0 && polled {
				break
			}
			ms = int(min(max(left, 0), 100*time.Millisecond).Milliseconds()) // stay responsive to ctx
		}
		ev := k.q.Poll(ms)
		switch e := ev.(type) {
		case nil:
			if len(out) > 0 {
				return k.finish(ctx, out)
			}
		case *ck.Message:
			if err := e.TopicPartition.Error; err != nil {
				if k.endsPoll(err) {
					k.giveBack(out)
					return nil, err
				}
				k.log.Info("Kafka consumer error", zap.Error(err))
				continue
			}
			r := toRecord(e)
			n := recordSize(&r)
			var refused error
			if size+n > maxBytes {
				refused = apierr.New(http.StatusUnprocessableEntity, 422,
					"The record at offset %d of %s-%d is %d bytes, more than max_bytes (%d); it was not consumed.",
					r.Offset, r.Topic, r.Partition, n, maxBytes)
			} else if accept != nil {
				refused = accept(&r)
			}
			if refused != nil {
				if err := k.rewind(e.TopicPartition); err != nil {
					k.giveBack(out)
					return nil, err
				}
				if len(out) == 0 {
					return nil, refused
				}
				return k.finish(ctx, out)
			}
			out = append(out, r)
			size += n
		case ck.Error:
			if k.endsPoll(e) {
				k.giveBack(out)
				return nil, e
			}
			k.log.Info("Kafka consumer error", zap.Error(e))
		default:
			k.log.Debug("Kafka consumer event", zap.String("event", ev.String()))
		}
	}
	return k.finish(ctx, out)
}

// endsPoll reports whether a consumer error ends a poll (EndsFetch): a fatal
// error, a missing authorization, an offset outside the log with nowhere to
// reset to, a partition assigned by hand that does not exist. A subscription
// waits out a topic or partition that does not exist: its topic may be
// created later, and the poll's wait bounds it.
func (k *Consumer) endsPoll(err error) bool {
	if !EndsFetch(err) {
		return false
	}
	var ke ck.Error
	if k.subscribed && errors.As(err, &ke) && !ke.IsFatal() {
		switch ke.Code() {
		case ck.ErrUnknownTopicOrPart, ck.ErrUnknownTopic, ck.ErrUnknownPartition:
			return false
		}
	}
	return true
}

// finish hands the records out: it marks them consumed, for commits without
// offsets and for the background auto-commit. When ctx has ended the client
// will not receive them: it gives them back instead and answers ctx's error.
func (k *Consumer) finish(ctx context.Context, recs []Record) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		k.giveBack(recs)
		return nil, err
	}
	if len(recs) == 0 {
		return recs, nil
	}
	next := map[ConsumerPartition]int64{}
	for _, r := range recs {
		next[ConsumerPartition{r.Topic, r.Partition}] = r.Offset + 1
	}
	tps := make([]ck.TopicPartition, 0, len(next))
	for p, off := range next {
		tps = append(tps, ck.TopicPartition{Topic: &p.Topic, Partition: p.Partition, Offset: ck.Offset(off)})
	}
	if _, err := k.q.StoreOffsets(tps); err != nil {
		// A partition revoked meanwhile: its records are still answered.
		k.log.Info("storing consumed offsets", zap.Error(err))
	}
	return recs, nil
}

// giveBack rewinds each partition of records taken but not returned to the
// first of them, so the next poll returns them again. Nothing is stored.
func (k *Consumer) giveBack(recs []Record) {
	first := map[ConsumerPartition]int64{}
	for _, r := range recs {
		p := ConsumerPartition{r.Topic, r.Partition}
		if off, ok := first[p]; !ok || r.Offset < off {
			first[p] = r.Offset
		}
	}
	for p, off := range first {
		if err := k.rewind(ck.TopicPartition{Topic: &p.Topic, Partition: p.Partition, Offset: ck.Offset(off)}); err != nil {
			// A partition revoked meanwhile: its next owner starts from the
			// committed offset, which does not include these records.
			k.log.Info("rewinding records not returned", zap.String("topic", p.Topic),
				zap.Int32("partition", p.Partition), zap.Int64("offset", off), zap.Error(err))
		}
	}
}

// rewind seeks a partition back to a fetched record, so the next poll
// returns it again. In confluent-kafka-go v2, Seek ignores its timeout and
// returns once the fetcher state is updated (a local operation, no broker
// round trip); records fetched before it are not returned after it.
func (k *Consumer) rewind(tp ck.TopicPartition) error {
	return k.q.Seek(tp, 0)
}

// Commit commits offsets (each is the next offset to read, as given), or,
// with none, the offsets after the records handed out so far.
func (k *Consumer) Commit(offsets []ConsumerOffset) error {
	var res []ck.TopicPartition
	var err error
	if len(offsets) == 0 {
		res, err = k.c.Commit()
		var ke ck.Error
		if errors.As(err, &ke) && ke.Code() == ck.ErrNoOffset {
			return nil // nothing consumed, nothing to commit
		}
	} else {
		res, err = k.c.CommitOffsets(toTopicPartitions(offsets))
	}
	if err != nil {
		return err
	}
	return partitionError(res)
}

// Seek moves each partition to its offset (or OffsetBeginning, OffsetEnd).
// The partitions must be assigned.
func (k *Consumer) Seek(offsets []ConsumerOffset) error {
	res, err := k.c.SeekPartitions(toTopicPartitions(offsets))
	if err != nil {
		return err
	}
	return partitionError(res)
}

// Close leaves the group (committing first when auto-commit is on) and frees
// the consumer.
func (k *Consumer) Close() error {
	err := k.c.Close()
	<-k.logsDone
	return err
}

func toTopicPartitions(offsets []ConsumerOffset) []ck.TopicPartition {
	tps := make([]ck.TopicPartition, len(offsets))
	for i, o := range offsets {
		tps[i] = ck.TopicPartition{Topic: &offsets[i].Topic, Partition: o.Partition, Offset: ck.Offset(o.Offset)}
	}
	return tps
}

func partitionError(tps []ck.TopicPartition) error {
	for _, tp := range tps {
		if tp.Error != nil {
			return fmt.Errorf("%s-%d: %w", *tp.Topic, tp.Partition, tp.Error)
		}
	}
	return nil
}
