package kafkarest

import (
	"encoding/json"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// GroupOffset is an offset a group committed (or is to commit) on one
// partition of a topic: topicgate's stateless committed-offsets extension.
type GroupOffset struct {
	Partition int32
	Offset    int64
	Metadata  string
}

type groupOffsetData struct {
	PartitionID int32  `json:"partition_id"`
	Offset      int64  `json:"offset"`
	Metadata    string `json:"metadata"`
}

type groupOffsetsData struct {
	Kind            string            `json:"kind"`
	Metadata        metadata          `json:"metadata"`
	ClusterID       string            `json:"cluster_id"`
	ConsumerGroupID string            `json:"consumer_group_id"`
	TopicName       string            `json:"topic_name"`
	Data            []groupOffsetData `json:"data"`
}

// GroupOffsets renders GET and POST .../consumer-groups/{group}/offsets/{topic}:
// the group's committed offsets on the topic, in the order given.
func (l Links) GroupOffsets(cid, group, topic string, offsets []GroupOffset) ([]byte, error) {
	out := groupOffsetsData{
		Kind:            "KafkaConsumerGroupOffsets",
		Metadata:        metadata{Self: l.groupOffsets(cid, group, topic)},
		ClusterID:       cid,
		ConsumerGroupID: group,
		TopicName:       topic,
		Data:            make([]groupOffsetData, len(offsets)),
	}
	for i, o := range offsets {
		out.Data[i] = groupOffsetData{PartitionID: o.Partition, Offset: o.Offset, Metadata: o.Metadata}
	}
	return json.Marshal(out)
}

type commitOffsetsBody struct {
	Offsets *[]struct {
		PartitionID *int32  `json:"partition_id"`
		Offset      *int64  `json:"offset"`
		Metadata    *string `json:"metadata"`
	} `json:"offsets"`
}

// ParseCommitOffsets decodes the body of POST .../offsets/{topic}:
// {"offsets":[{"partition_id":0,"offset":12,"metadata":"optional"}]}. It
// checks what needs no cluster: at least one entry, partition_id and offset
// present and not negative, no partition twice; unknown fields are ignored,
// as in every v3 body. Whether the
// partitions exist and the offsets are within their logs is the caller's.
func ParseCommitOffsets(body []byte) ([]GroupOffset, error) {
	var b commitOffsetsBody
	if err := v3Body.decode(body, &b); err != nil {
		return nil, err
	}
	if b.Offsets == nil || len(*b.Offsets) == 0 {
		return nil, apierr.BadRequest("offsets must list at least one {partition_id, offset}")
	}
	out := make([]GroupOffset, len(*b.Offsets))
	seen := map[int32]int{}
	for i, o := range *b.Offsets {
		switch {
		case o.PartitionID == nil:
			return nil, apierr.BadRequest("offsets[%d]: partition_id is required", i)
		case *o.PartitionID < 0:
			return nil, apierr.BadRequest("offsets[%d]: partition_id must be 0 or more, got %d", i, *o.PartitionID)
		case o.Offset == nil:
			return nil, apierr.BadRequest("offsets[%d]: offset is required", i)
		case *o.Offset < 0:
			return nil, apierr.BadRequest("offsets[%d]: offset must be 0 or more, got %d", i, *o.Offset)
		}
		if j, dup := seen[*o.PartitionID]; dup {
			return nil, apierr.BadRequest("offsets[%d]: partition %d is already given in offsets[%d]", i, *o.PartitionID, j)
		}
		seen[*o.PartitionID] = i
		out[i] = GroupOffset{Partition: *o.PartitionID, Offset: *o.Offset}
		if o.Metadata != nil {
			out[i].Metadata = *o.Metadata
		}
	}
	return out, nil
}
