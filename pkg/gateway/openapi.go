package gateway

import (
	"context"
	"net/http"

	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// openAPI serves topicgate's OpenAPI document. It is public: describing the
// API reveals nothing about the cluster.
func (c *call) openAPI(context.Context) (*Response, BodyFunc) {
	doc, err := kafkarest.OpenAPI()
	if err != nil {
		return c.fail(err), nil
	}
	resp := c.respond(http.StatusOK, doc)
	resp.Headers["content-type"] = "application/json"
	return resp, nil
}
