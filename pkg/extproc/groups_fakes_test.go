package extproc

import (
	"context"
	"errors"

	"github.com/topicgate/topicgate/pkg/kafka"
)

// The extproc tests use no consumer group: memCluster has none.

var errGroupsNone = errors.New("memCluster has no consumer groups")

func (c *memCluster) ConsumerGroups(context.Context) ([]kafka.Group, error) {
	return []kafka.Group{}, nil
}

func (c *memCluster) ConsumerGroup(context.Context, string) (kafka.Group, error) {
	return kafka.Group{}, errGroupsNone
}

func (c *memCluster) GroupOffsets(context.Context, string, string) ([]kafka.GroupOffset, error) {
	return []kafka.GroupOffset{}, nil
}

func (c *memCluster) CommitGroupOffsets(context.Context, string, []kafka.GroupOffset) error {
	return errGroupsNone
}
