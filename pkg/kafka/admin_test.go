package kafka

import (
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"
)

// Admin requests Kafka refuses are 400/40002 with the broker's own message,
// which names what was wrong; without one, the table's message.
func TestClientError_AdminRejections(t *testing.T) {
	tests := []struct {
		code    ck.ErrorCode
		message string
		want    string
	}{
		{ck.ErrTopicAlreadyExists, "Topic 'a' already exists.", "Topic 'a' already exists."},
		{ck.ErrInvalidConfig, "Invalid value x for configuration retention.ms", "Invalid value x for configuration retention.ms"},
		{ck.ErrInvalidReplicationFactor, "Unable to replicate the partition 3 time(s)", "Unable to replicate the partition 3 time(s)"},
		{ck.ErrInvalidPartitions, "Number of partitions must be larger than 0.", "Number of partitions must be larger than 0."},
		{ck.ErrInvalidReplicaAssignment, "bad assignment", "bad assignment"},
		{ck.ErrTopicException, "Topic name is invalid", "Topic name is invalid"},
		{ck.ErrInvalidRequest, "duplicate resource", "duplicate resource"},
		{ck.ErrTopicDeletionDisabled, "deletion disabled", "Kafka rejected the request."},
		{ck.ErrInvalidConfig, ck.ErrInvalidConfig.String(), "Kafka rejected the request."},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			e := ClientError(ck.NewError(tt.code, tt.message, false))
			if e.Status != 400 || e.Code != 40002 || e.Message != tt.want {
				t.Errorf("ClientError = %d/%d %q, want 400/40002 %q", e.Status, e.Code, e.Message, tt.want)
			}
		})
	}
}

func TestConfigEntries(t *testing.T) {
	got := configEntries(map[string]ck.ConfigEntryResult{
		"retention.ms": {Name: "retention.ms", Value: "1000", Source: ck.ConfigSourceDynamicTopic, Synonyms: map[string]ck.ConfigEntryResult{
			"log.retention.ms": {Name: "log.retention.ms", Value: "5", Source: ck.ConfigSourceStaticBroker},
			"retention.ms":     {Name: "retention.ms", Value: "1000", Source: ck.ConfigSourceDynamicTopic},
		}},
		"ssl.key.password": {Name: "ssl.key.password", Value: "", Source: ck.ConfigSourceStaticBroker, IsSensitive: true, IsReadOnly: true,
			Synonyms: map[string]ck.ConfigEntryResult{"ssl.key.password": {Name: "ssl.key.password", Source: ck.ConfigSourceStaticBroker}}},
	})
	v, five := "1000", "5"
	want := []ConfigEntry{
		{Name: "retention.ms", Value: &v, Source: "DYNAMIC_TOPIC_CONFIG", Synonyms: []ConfigSynonym{
			{Name: "retention.ms", Value: &v, Source: "DYNAMIC_TOPIC_CONFIG"},
			{Name: "log.retention.ms", Value: &five, Source: "STATIC_BROKER_CONFIG"},
		}},
		{Name: "ssl.key.password", Source: "STATIC_BROKER_CONFIG", Sensitive: true, ReadOnly: true,
			Synonyms: []ConfigSynonym{{Name: "ssl.key.password", Source: "STATIC_BROKER_CONFIG"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configEntries (-want +got):\n%s", diff)
	}
}

func TestMaxMessageBytes(t *testing.T) {
	v, bad := "1048588", "many"
	if got := maxMessageBytes([]ConfigEntry{{Name: "cleanup.policy"}, {Name: "max.message.bytes", Value: &v}}); got != 1048588 {
		t.Errorf("maxMessageBytes = %d", got)
	}
	for _, cs := range [][]ConfigEntry{nil, {{Name: "max.message.bytes"}}, {{Name: "max.message.bytes", Value: &bad}}} {
		if got := maxMessageBytes(cs); got != 0 {
			t.Errorf("maxMessageBytes(%v) = %d, want 0 (unknown)", cs, got)
		}
	}
}
