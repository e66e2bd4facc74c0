package gateway

import "context"

// adminCluster is what the admin endpoints need of a cluster: brokers,
// configs, topic creation and deletion, partitions and their offsets.
type adminCluster interface{}

func (c *call) brokers(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) brokerConfigs(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) createTopic(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) deleteTopic(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) updatePartitionCount(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) topicConfigs(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) alterTopicConfigs(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) partitions(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
