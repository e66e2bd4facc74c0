package gateway

import "context"

// beginProduceBatch serves records:batch.
func (c *call) beginProduceBatch(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
