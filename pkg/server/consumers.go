package server

import (
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/config"
	"github.com/topicgate/topicgate/pkg/consumer"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// newConsumers builds the consumer-instance manager over one cluster.
func newConsumers(cfg *config.Config, cl *kafka.Client, log *zap.Logger, m *metrics.Metrics) *consumer.Manager {
	return consumer.New(consumer.Options{
		Open: func(s kafka.ConsumerSettings) (consumer.Kafka, error) {
			k, err := cl.NewConsumer(s)
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return k, nil
		},
		IdleTimeout: cfg.Consumers.IdleTimeout.D(),
		// Leaving the group is a commit (with auto-commit) and a LeaveGroup.
		CloseTimeout: 2 * cfg.Kafka.RequestTimeout.D(),
		MaxInstances: cfg.Consumers.MaxInstances,
		Log:          log.Named("consumers"),
		Metrics:      m,
	})
}
