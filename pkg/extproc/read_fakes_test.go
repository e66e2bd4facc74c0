package extproc

import (
	"context"

	"github.com/topicgate/topicgate/pkg/kafka"
)

// Read answers stateless reads with an empty partition.
func (c *memCluster) Read(context.Context, kafka.ReadRequest) (kafka.ReadResult, error) {
	return kafka.ReadResult{}, nil
}
