package server

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/config"
	"github.com/topicgate/topicgate/pkg/decisionlog"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// decisionClient is the client of the decision log topic's cluster: the
// one named, else the first. Validation has checked that it exists.
func decisionClient(cfg *config.Config, clients []*kafka.Client) *kafka.Client {
	for _, c := range clients {
		if c.Name() == cfg.DecisionLog.Kafka.Cluster {
			return c
		}
	}
	return clients[0]
}

// newDecisionSink ships decision lines to the configured topic through the
// cluster's own producer. Its records go straight to the producer: they
// are never decided by the policy, so they cannot recurse.
func newDecisionSink(cfg *config.Config, clients []*kafka.Client, log *zap.Logger, m *metrics.Metrics) *decisionlog.Sink {
	c := decisionClient(cfg, clients)
	return decisionlog.New(decisionlog.Options{
		Producer: c, Cluster: c.Name(), Topic: cfg.DecisionLog.Kafka.Topic,
		QueueSize: cfg.DecisionLog.Kafka.QueueSize,
		// The producer gives up on a record after produce_timeout.
		Timeout: cfg.Kafka.ProduceTimeout.D() + time.Second,
		Log:     log.Named("decisionlog"), Metrics: m,
	})
}

// checkDecisionTopic says once, at start, whether the decision log topic
// exists: topicgate never creates topics, and without it every line fails.
func checkDecisionTopic(ctx context.Context, cfg *config.Config, clients []*kafka.Client, log *zap.Logger) {
	c := decisionClient(cfg, clients)
	topic := cfg.DecisionLog.Kafka.Topic
	for {
		cctx, cancel := context.WithTimeout(ctx, cfg.Kafka.RequestTimeout.D())
		_, err := c.Topic(cctx, topic)
		cancel()
		if err == nil {
			log.Info("decision log: producing decision lines to Kafka", zap.String("cluster", c.Name()), zap.String("topic", topic))
			return
		}
		if kafka.ClientError(err).Status == http.StatusNotFound {
			log.Error("decision log: the topic does not exist; create it (topicgate never creates topics)",
				zap.String("cluster", c.Name()), zap.String("topic", topic))
			return
		}
		select { // Kafka not reachable yet: try again
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}
