package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

const serverProperties = `# A single-node KRaft cluster (broker and controller) on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:%[2]d
listeners=PLAINTEXT://127.0.0.1:%[1]d,CONTROLLER://127.0.0.1:%[2]d
advertised.listeners=PLAINTEXT://127.0.0.1:%[1]d
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=%[3]s
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
`

const log4j2 = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
`

// startKafka formats a fresh data directory and starts the broker.
func startKafka(ctx context.Context, kafkaHome, dir string, port, controllerPort int) (*proc, error) {
	data := filepath.Join(dir, "kafka-data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	props := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(props, []byte(fmt.Sprintf(serverProperties, port, controllerPort, data)), 0o644); err != nil {
		return nil, err
	}
	logCfg := filepath.Join(dir, "log4j2.yaml")
	if err := os.WriteFile(logCfg, []byte(log4j2), 0o644); err != nil {
		return nil, err
	}
	cp := filepath.Join(kafkaHome, "libs", "*")
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	// The id may start with "-": passed as --cluster-id=<id>, it is not taken
	// for an option.
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	format := exec.CommandContext(ctx, "java", "-cp", cp, "-Dlog4j2.configurationFile="+logCfg,
		"kafka.tools.StorageTool", "format", "--cluster-id="+id, "-c", props)
	if out, err := format.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("formatting Kafka storage: %v\n%s", err, out)
	}
	p, err := startProc("kafka", dir, nil, "java",
		"-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.awt.headless=true", "-Dlog4j2.configurationFile="+logCfg,
		"-cp", cp, "kafka.Kafka", props)
	if err != nil {
		return nil, err
	}
	bootstrap := fmt.Sprintf("127.0.0.1:%d", port)
	if err := p.waitFor(ctx, 90*time.Second, "Kafka broker", func() error { return kafkaAnswers(ctx, bootstrap) }); err != nil {
		p.stop(5 * time.Second)
		return nil, err
	}
	return p, nil
}

func kafkaAnswers(ctx context.Context, bootstrap string) error {
	if err := tcpOpen(bootstrap)(); err != nil {
		return err
	}
	_, err := ClusterID(ctx, bootstrap)
	return err
}

// ClusterID asks the broker for its cluster id.
func ClusterID(ctx context.Context, bootstrap string) (string, error) {
	a, err := ck.NewAdminClient(&ck.ConfigMap{"bootstrap.servers": bootstrap, "log_level": 0})
	if err != nil {
		return "", err
	}
	defer a.Close()
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := a.DescribeCluster(cctx)
	if err != nil {
		return "", err
	}
	if res.ClusterID == nil {
		return "", fmt.Errorf("no cluster id")
	}
	return *res.ClusterID, nil
}

// TopicSpec is a topic to create.
type TopicSpec struct {
	Name       string
	Partitions int
	Configs    map[string]string
}

// CreateTopics creates topics and waits until the broker serves them.
func CreateTopics(ctx context.Context, bootstrap string, topics ...TopicSpec) error {
	if len(topics) == 0 {
		return nil
	}
	a, err := ck.NewAdminClient(&ck.ConfigMap{"bootstrap.servers": bootstrap})
	if err != nil {
		return err
	}
	defer a.Close()
	specs := make([]ck.TopicSpecification, len(topics))
	for i, t := range topics {
		specs[i] = ck.TopicSpecification{Topic: t.Name, NumPartitions: t.Partitions, ReplicationFactor: 1, Config: t.Configs}
	}
	res, err := a.CreateTopics(ctx, specs, ck.SetAdminOperationTimeout(10*time.Second))
	if err != nil {
		return err
	}
	for _, r := range res {
		if c := r.Error.Code(); c != ck.ErrNoError && c != ck.ErrTopicAlreadyExists {
			return fmt.Errorf("creating topic %s: %w", r.Topic, r.Error)
		}
	}
	return nil
}
