package gateway

import "context"

// groupsCluster is what the consumer-group endpoints need of a cluster:
// groups, their members, committed offsets and lag.
type groupsCluster interface{}

func (c *call) consumerGroups(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) groupLags(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}

func (c *call) groupOffsets(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
