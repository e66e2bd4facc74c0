package gateway

import "context"

// readerCluster is what stateless reads need of a cluster.
type readerCluster interface{}

func (c *call) readRecords(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
