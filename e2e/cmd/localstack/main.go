// Command localstack runs topicgate's local stack for `make run`: a real
// Kafka broker, topicgate with the demo policy and API key, and Envoy in
// front (plain HTTP, and mTLS with the stack's generated certificates), then
// prints how to call it (API key, JWT, client certificate) and stops
// everything on Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localstack:", err)
		os.Exit(1)
	}
}

func run() error {
	var o stack.Options
	flag.StringVar(&o.TopicgateBin, "topicgate", "bin/topicgate", "the topicgate binary")
	flag.IntVar(&o.ListenPort, "port", 8080, "Envoy's listener port (where clients call)")
	flag.IntVar(&o.TLSListenPort, "tls-port", 8443, "Envoy's mTLS listener port (client certificate required)")
	flag.IntVar(&o.EnvoyAdminPort, "envoy-admin-port", 9901, "Envoy's admin port")
	flag.IntVar(&o.GRPCPort, "grpc-port", 9001, "topicgate's ext_proc gRPC port")
	flag.IntVar(&o.AdminPort, "admin-port", 9090, "topicgate's admin port (/readyz, /metrics)")
	flag.IntVar(&o.KafkaPort, "kafka-port", 19092, "Kafka's broker port")
	flag.IntVar(&o.ControllerPort, "kafka-controller-port", 19093, "Kafka's controller port")
	flag.Parse()

	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if o.Root, err = stack.Root(wd); err != nil {
		return err
	}
	if o.Paths, err = stack.Install(o.Root); err != nil {
		return err
	}
	// A fresh Kafka data directory each run: the demo starts from empty topics.
	o.Dir = filepath.Join(o.Root, ".cache", "run")
	if err := os.RemoveAll(o.Dir); err != nil {
		return err
	}
	o.Topics = []stack.TopicSpec{{Name: "orders", Partitions: 1}}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	fmt.Fprintln(os.Stderr, "starting Kafka, topicgate and Envoy ...")
	s, err := stack.Start(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(os.Stderr, "\nstopping Envoy, topicgate and Kafka ...")
		s.Stop()
		fmt.Fprintln(os.Stderr, "stopped")
	}()
	// A token of the demo policy's group "demo", for the banner.
	token, err := s.Identities.Issuer.Token(map[string]any{
		"sub": "demo-user", "groups": []string{"demo"}, "exp": time.Now().Add(24 * time.Hour).Unix(),
	})
	if err != nil {
		return err
	}
	f := s.Identities.Files
	fmt.Printf(banner, time.Since(start).Round(100*time.Millisecond), s.URL, s.ClusterID, s.AdminURL, s.EnvoyURL, o.Dir,
		token, s.TLSURL, f.CA, f.ClientCert, f.ClientKey, stack.ClientSPIFFEID)
	<-ctx.Done()
	return nil
}

const banner = `
topicgate is up (%s): Envoy on %[2]s -> topicgate -> Kafka.
Kafka cluster id: %[3]s     demo API key: demo / demo-secret

  # list topics (anonymous callers may do only this)
  curl -s %[2]s/v3/clusters/%[3]s/topics

  # the cluster, as the demo key
  curl -s -u demo:demo-secret %[2]s/v3/clusters

  # produce a record to "orders"
  curl -s -u demo:demo-secret -H 'Content-Type: application/json' \
    %[2]s/kafka/v3/clusters/%[3]s/topics/orders/records \
    -d '{"key": {"type": "STRING", "data": "orderId2"}, "value": {"type": "JSON", "data": {"productId": "456ijk"}}}'

  # the same with a JWT of the group "demo" (valid 24h; Envoy's jwt_authn
  # verifies it against the stack's JWKS, topicgate sees its claims)
  TOKEN=%[7]s
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    %[2]s/kafka/v3/clusters/%[3]s/topics/orders/records \
    -d '{"value": {"type": "STRING", "data": "sent with a JWT"}}'

  # or over mTLS with the client certificate (%[12]s)
  curl -s --cacert %[9]s --cert %[10]s --key %[11]s \
    -H 'Content-Type: application/json' %[8]s/kafka/v3/clusters/%[3]s/topics/orders/records \
    -d '{"value": {"type": "STRING", "data": "sent with a client certificate"}}'

topicgate readiness and metrics: %[4]s/readyz  %[4]s/metrics
Envoy admin: %[5]s      component logs: %[6]s/{kafka,topicgate,envoy}.log
Press Ctrl-C to stop.
`
