package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// ProducerConfig is topicgate's producer configuration (pkg/kafka's
// producerDefaults, and message.timeout.ms from its produce timeout): the
// direct producer uses the same, so the comparison is of the paths alone.
func ProducerConfig(bootstrap string, produceTimeout time.Duration) *ck.ConfigMap {
	return &ck.ConfigMap{
		"bootstrap.servers":         bootstrap,
		"enable.idempotence":        true,
		"acks":                      "all",
		"linger.ms":                 5,
		"allow.auto.create.topics":  false,
		"go.delivery.report.fields": "key",
		"partitioner":               "murmur2_random",
		"message.timeout.ms":        strconv.FormatInt(produceTimeout.Milliseconds(), 10),
		"log_level":                 3,
		"go.events.channel.size":    10000,
		"go.produce.channel.size":   1,
	}
}

// DirectOp is a produce workload done with a Kafka producer and no HTTP:
// each "request" produces w.Records records and waits for all their
// delivery reports.
func DirectOp(p *ck.Producer, topic string, w Workload) Op {
	val := []byte(value)
	var mu sync.Mutex
	chans := map[int]chan ck.Event{}
	return func(ctx context.Context, worker, seq int) Outcome {
		mu.Lock()
		ch, ok := chans[worker]
		if !ok {
			ch = make(chan ck.Event, w.Records)
			chans[worker] = ch
		}
		mu.Unlock()
		var o Outcome
		sent := 0
		for i := range w.Records {
			id := RecordID(worker, seq, w.Records, i)
			err := p.Produce(&ck.Message{
				TopicPartition: ck.TopicPartition{Topic: &topic, Partition: ck.PartitionAny},
				Key:            []byte(id), Value: val,
			}, ch)
			if err != nil {
				if o.Err == nil {
					o.Err = err
				}
				continue
			}
			sent++
		}
		for range sent {
			m, ok := (<-ch).(*ck.Message)
			if !ok {
				continue
			}
			if m.TopicPartition.Error != nil {
				if o.Err == nil {
					o.Err = m.TopicPartition.Error
				}
				continue
			}
			o.Acked = append(o.Acked, string(m.Key))
			o.Bytes += int64(len(m.Key) + ValueSize) // reports carry the key only
		}
		if sent < w.Records && o.Err == nil {
			o.Err = fmt.Errorf("%d of %d records not sent", w.Records-sent, w.Records)
		}
		o.Records = len(o.Acked)
		return o
	}
}

// ReadKeys reads every record of a topic, all partitions, from the start to
// the end it had when called, and returns their keys.
func ReadKeys(ctx context.Context, bootstrap, topic string, timeout time.Duration) ([]string, error) {
	c, err := ck.NewConsumer(&ck.ConfigMap{
		"bootstrap.servers":  bootstrap,
		"group.id":           fmt.Sprintf("bench-verify-%d", time.Now().UnixNano()),
		"enable.auto.commit": false,
		"log_level":          0,
	})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		return nil, err
	}
	var assign []ck.TopicPartition
	remaining := map[int32]int64{} // partition -> high watermark
	for _, p := range md.Topics[topic].Partitions {
		_, high, err := c.QueryWatermarkOffsets(topic, p.ID, 10000)
		if err != nil {
			return nil, err
		}
		if high > 0 {
			remaining[p.ID] = high
			assign = append(assign, ck.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ck.OffsetBeginning})
		}
	}
	if len(assign) == 0 {
		return nil, nil
	}
	if err := c.Assign(assign); err != nil {
		return nil, err
	}
	var keys []string
	deadline := time.Now().Add(timeout)
	for len(remaining) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		m, ok := c.Poll(200).(*ck.Message)
		if !ok {
			continue
		}
		if m.TopicPartition.Error != nil {
			return nil, m.TopicPartition.Error
		}
		keys = append(keys, IDFromKey(m.Key))
		if int64(m.TopicPartition.Offset)+1 >= remaining[m.TopicPartition.Partition] {
			delete(remaining, m.TopicPartition.Partition)
		}
	}
	if len(remaining) > 0 {
		return nil, fmt.Errorf("could not read %s to its end in %s: partitions left %v", topic, timeout, remaining)
	}
	return keys, nil
}

// Verification compares what a run acknowledged with what is in Kafka.
type Verification struct {
	Acked      int      `json:"acked"`                 // records acknowledged to the client
	InKafka    int      `json:"in_kafka"`              // records read back from the topic
	Missing    int      `json:"missing"`               // acknowledged but not in Kafka: loss
	Duplicates int      `json:"duplicates"`            // ids in Kafka more than once
	Unacked    int      `json:"unacked"`               // in Kafka but not acknowledged (failed or timed-out requests)
	OK         bool     `json:"ok"`                    // nothing missing, no duplicates
	Missed     []string `json:"missing_ids,omitempty"` // up to 10 of the missing ids
}

// Verify checks that every acknowledged id is in Kafka exactly once.
func Verify(acked, inKafka []string) Verification {
	v := Verification{Acked: len(acked), InKafka: len(inKafka)}
	seen := make(map[string]int, len(inKafka))
	for _, k := range inKafka {
		seen[k]++
		if seen[k] == 2 {
			v.Duplicates++
		}
	}
	ackedSet := make(map[string]bool, len(acked))
	for _, id := range acked {
		ackedSet[id] = true
		if seen[id] == 0 {
			v.Missing++
			if len(v.Missed) < 10 {
				v.Missed = append(v.Missed, id)
			}
		}
	}
	for k := range seen {
		if !ackedSet[k] {
			v.Unacked++
		}
	}
	v.OK = v.Missing == 0 && v.Duplicates == 0 && len(ackedSet) == len(acked)
	return v
}

// DeleteTopic deletes a topic (to free the disk once it is verified).
func DeleteTopic(ctx context.Context, bootstrap, topic string) error {
	a, err := ck.NewAdminClient(&ck.ConfigMap{"bootstrap.servers": bootstrap, "log_level": 0})
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.DeleteTopics(ctx, []string{topic}, ck.SetAdminOperationTimeout(10*time.Second))
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Error.Code() != ck.ErrNoError {
			return r.Error
		}
	}
	return nil
}
