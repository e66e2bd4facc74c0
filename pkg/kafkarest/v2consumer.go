package kafkarest

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// ConsumerConfig is the body of POST /consumers/{groupid} (the bridge's
// Consumer schema). Nil fields were not sent.
type ConsumerConfig struct {
	Name             string  `json:"name"`
	Format           string  `json:"format"` // defaulted to binary
	AutoOffsetReset  *string `json:"auto.offset.reset"`
	EnableAutoCommit *bool   `json:"enable.auto.commit"`
	FetchMinBytes    *int    `json:"fetch.min.bytes"`
	RequestTimeoutMs *int    `json:"consumer.request.timeout.ms"`
	IsolationLevel   *string `json:"isolation.level"`
}

// instanceName keeps names safe in URLs and logs.
var instanceName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

// ParseCreateConsumer decodes and validates a consumer creation body. Every
// problem is a 422, as the bridge answers invalid consumer configurations.
func ParseCreateConsumer(body []byte) (ConsumerConfig, error) {
	var c ConsumerConfig
	if err := v2Body.decode(body, &c); err != nil {
		return c, err
	}
	if c.Name != "" && !instanceName.MatchString(c.Name) {
		return c, invalid("name must be 1 to 200 characters of ASCII letters, digits, '.', '_' and '-', got %q", c.Name)
	}
	switch c.Format {
	case "":
		c.Format = FormatBinary
	case FormatBinary, FormatJSON, FormatText:
	default:
		return c, invalid("format must be binary, json or text, got %q", c.Format)
	}
	if v := c.AutoOffsetReset; v != nil && *v != "earliest" && *v != "latest" && *v != "none" {
		return c, invalid("auto.offset.reset must be earliest, latest or none, got %q", *v)
	}
	if v := c.IsolationLevel; v != nil && *v != "read_committed" && *v != "read_uncommitted" {
		return c, invalid("isolation.level must be read_committed or read_uncommitted, got %q", *v)
	}
	if v := c.FetchMinBytes; v != nil && (*v < 0 || *v > 100_000_000) {
		return c, invalid("fetch.min.bytes must be from 0 to 100000000, got %d", *v)
	}
	if v := c.RequestTimeoutMs; v != nil && *v < 0 {
		return c, invalid("consumer.request.timeout.ms must not be negative, got %d", *v)
	}
	return c, nil
}

// Subscription is the body of POST .../subscription: topics or a pattern.
type Subscription struct {
	Topics  []string
	Pattern string
}

// ParseSubscription decodes a subscription. Both topics and a pattern is a
// 409, as the bridge answers; neither is a 422.
func ParseSubscription(body []byte) (Subscription, error) {
	var in struct {
		Topics  []string `json:"topics"`
		Pattern *string  `json:"topic_pattern"`
	}
	if err := v2Body.decode(body, &in); err != nil {
		return Subscription{}, err
	}
	if in.Topics != nil && in.Pattern != nil {
		return Subscription{}, apierr.New(http.StatusConflict, 409,
			"Subscriptions to topics, partitions, and patterns are mutually exclusive: send topics or topic_pattern, not both.")
	}
	if in.Pattern != nil {
		if *in.Pattern == "" {
			return Subscription{}, invalid("topic_pattern must not be empty")
		}
		if _, err := regexp.Compile(*in.Pattern); err != nil {
			return Subscription{}, invalid("topic_pattern is not a valid regular expression: %v", err)
		}
		return Subscription{Pattern: *in.Pattern}, nil
	}
	if len(in.Topics) == 0 {
		return Subscription{}, invalid("A list (of Topics type) or a topic_pattern must be specified.")
	}
	for _, t := range in.Topics {
		if err := topicInBody(t); err != nil {
			return Subscription{}, err
		}
	}
	return Subscription{Topics: in.Topics}, nil
}

// TopicPartition names a partition in a v2 body.
type TopicPartition struct {
	Topic     string `json:"topic"`
	Partition *int32 `json:"partition"`
}

// ParsePartitions decodes a Partitions body (assignments, seeks to the
// beginning or end): a non-empty list of topic and partition.
func ParsePartitions(body []byte) ([]TopicPartition, error) {
	var in struct {
		Partitions []TopicPartition `json:"partitions"`
	}
	if err := v2Body.decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Partitions) == 0 {
		return nil, invalid("partitions must list at least one {\"topic\", \"partition\"}")
	}
	for i, p := range in.Partitions {
		if err := topicInBody(p.Topic); err != nil {
			return nil, err
		}
		if p.Partition == nil || *p.Partition < 0 {
			return nil, invalid("partitions[%d].partition must be a non-negative integer", i)
		}
	}
	return in.Partitions, nil
}

// PartitionOffset is an offset of a partition in a v2 body.
type PartitionOffset struct {
	Topic     string `json:"topic"`
	Partition *int32 `json:"partition"`
	Offset    *int64 `json:"offset"`
}

// ParseOffsets decodes an OffsetCommitSeekList. With optional set (commits),
// an empty body, {} or an empty list mean "no offsets given".
func ParseOffsets(body []byte, optional bool) ([]PartitionOffset, error) {
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var in struct {
		Offsets []PartitionOffset `json:"offsets"`
	}
	if err := v2Body.decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Offsets) == 0 && !optional {
		return nil, invalid("offsets must list at least one {\"topic\", \"partition\", \"offset\"}")
	}
	for i, o := range in.Offsets {
		if err := topicInBody(o.Topic); err != nil {
			return nil, err
		}
		if o.Partition == nil || *o.Partition < 0 {
			return nil, invalid("offsets[%d].partition must be a non-negative integer", i)
		}
		if o.Offset == nil || *o.Offset < 0 {
			return nil, invalid("offsets[%d].offset must be a non-negative integer", i)
		}
	}
	return in.Offsets, nil
}

func topicInBody(t string) error {
	if err := ValidateTopicName(t); err != nil {
		var e *apierr.Error
		errors.As(err, &e)
		return invalid("%s", strings.TrimPrefix(e.Message, "Bad Request: "))
	}
	return nil
}

// invalid is the bridge's 422 for a body that parses but says something wrong.
func invalid(format string, args ...any) *apierr.Error {
	return apierr.New(http.StatusUnprocessableEntity, 422, format, args...)
}
