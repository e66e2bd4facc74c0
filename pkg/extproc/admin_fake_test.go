package extproc

import (
	"context"
	"errors"

	"github.com/topicgate/topicgate/pkg/kafka"
)

// The extproc tests need no admin calls: memCluster refuses them all.
var errAdminNotInMemCluster = errors.New("memCluster has no admin calls")

func (c *memCluster) CreateTopic(context.Context, kafka.NewTopic, bool) error {
	return errAdminNotInMemCluster
}
func (c *memCluster) DeleteTopic(context.Context, string) error { return errAdminNotInMemCluster }
func (c *memCluster) CreatePartitions(context.Context, string, int) error {
	return errAdminNotInMemCluster
}
func (c *memCluster) TopicConfigs(context.Context, []string) (map[string][]kafka.ConfigEntry, error) {
	return nil, errAdminNotInMemCluster
}
func (c *memCluster) BrokerConfigs(context.Context, int32) ([]kafka.ConfigEntry, error) {
	return nil, errAdminNotInMemCluster
}
func (c *memCluster) AlterTopicConfigs(context.Context, string, []kafka.ConfigChange, bool) error {
	return errAdminNotInMemCluster
}
func (c *memCluster) ListOffsets(context.Context, []kafka.TopicPartition, kafka.OffsetSpec) (map[kafka.TopicPartition]int64, error) {
	return nil, errAdminNotInMemCluster
}
