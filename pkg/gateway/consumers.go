package gateway

import "context"

// consumerInstance serves the v2 consumer-instance endpoints.
func (c *call) consumerInstance(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
