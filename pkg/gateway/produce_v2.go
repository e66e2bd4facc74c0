package gateway

import "context"

// beginProduceV2 serves the bridge's produce endpoints.
func (c *call) beginProduceV2(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
