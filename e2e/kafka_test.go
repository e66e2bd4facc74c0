package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/e2e/stack"
)

// createTopics creates topics for one test, straight in Kafka, and waits
// until topicgate describes them: a topic Kafka just created can still be
// unknown to the broker's metadata for a moment. Tests name their topics
// after themselves so that no two tests share one.
func createTopics(t *testing.T, topics ...stack.TopicSpec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := stack.CreateTopics(ctx, st.Bootstrap, topics...); err != nil {
		t.Fatal(err)
	}
	for _, ts := range topics {
		eventually(t, func() bool { return get(t, v3("/topics/"+ts.Name)).Status == http.StatusOK })
	}
}

// readTopic reads every record of a topic, all partitions, from the start to
// the current end.
func readTopic(t *testing.T, topic string) []*ck.Message {
	t.Helper()
	c, err := ck.NewConsumer(&ck.ConfigMap{
		"bootstrap.servers":  st.Bootstrap,
		"group.id":           fmt.Sprintf("e2e-%d", time.Now().UnixNano()),
		"enable.auto.commit": false,
		"log_level":          0,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var assign []ck.TopicPartition
	remaining := map[int32]int64{} // partition -> high watermark
	for _, p := range md.Topics[topic].Partitions {
		_, high, err := c.QueryWatermarkOffsets(topic, p.ID, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if high > 0 {
			remaining[p.ID] = high
			assign = append(assign, ck.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ck.OffsetBeginning})
		}
	}
	if len(assign) == 0 {
		return nil
	}
	if err := c.Assign(assign); err != nil {
		t.Fatal(err)
	}
	var out []*ck.Message
	deadline := time.Now().Add(30 * time.Second)
	for len(remaining) > 0 && time.Now().Before(deadline) {
		ev := c.Poll(200)
		m, ok := ev.(*ck.Message)
		if !ok {
			continue
		}
		if m.TopicPartition.Error != nil {
			t.Fatal(m.TopicPartition.Error)
		}
		out = append(out, m)
		if int64(m.TopicPartition.Offset)+1 >= remaining[m.TopicPartition.Partition] {
			delete(remaining, m.TopicPartition.Partition)
		}
	}
	if len(remaining) > 0 {
		t.Fatalf("could not read %s to its end: partitions left %v", topic, remaining)
	}
	return out
}

// recordCount is the number of records in a topic, read back from Kafka.
func recordCount(t *testing.T, topic string) int64 {
	t.Helper()
	return int64(len(readTopic(t, topic)))
}

func header(m *ck.Message, name string) (string, bool) {
	for _, h := range m.Headers {
		if h.Key == name {
			return string(h.Value), true
		}
	}
	return "", false
}
