package gateway

import "context"

// openAPI serves topicgate's OpenAPI document.
func (c *call) openAPI(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
