package kafkarest

import (
	"net/url"
	"strconv"
)

// Links builds the absolute URLs v3 resources carry, from the caller's scheme,
// host and path prefix, so links work through whatever hostname the client used.
// Every v3 URL is built by the methods in this file, one path segment at a
// time: names and ids arrive percent-decoded from the request's path (and
// from Kafka), so a "/", "?", "#", "%" or space in a group id, topic or
// config name is escaped again here.
type Links struct {
	Base string // e.g. "http://127.0.0.1:8080/kafka/v3"
}

// NewLinks returns links rooted at scheme://authority+prefix.
func NewLinks(scheme, authority, prefix string) Links {
	if scheme == "" {
		scheme = "http"
	}
	return Links{Base: scheme + "://" + authority + prefix}
}

// segment escapes a name as one path segment of a URL.
func segment(s string) string { return url.PathEscape(s) }

func num(n int32) string { return strconv.Itoa(int(n)) }

func (l Links) cluster(cid string) string { return l.Base + "/clusters/" + segment(cid) }

func (l Links) brokers(cid string) string { return l.cluster(cid) + "/brokers" }

func (l Links) broker(cid string, b int32) string { return l.brokers(cid) + "/" + num(b) }

func (l Links) brokerConfigs(cid string, b int32) string { return l.broker(cid, b) + "/configs" }

func (l Links) brokerConfig(cid string, b int32, name string) string {
	return l.brokerConfigs(cid, b) + "/" + segment(name)
}

func (l Links) topics(cid string) string { return l.cluster(cid) + "/topics" }

func (l Links) topic(cid, t string) string { return l.topics(cid) + "/" + segment(t) }

func (l Links) topicConfigs(cid, t string) string { return l.topic(cid, t) + "/configs" }

func (l Links) topicConfig(cid, t, name string) string {
	return l.topicConfigs(cid, t) + "/" + segment(name)
}

func (l Links) partitions(cid, t string) string { return l.topic(cid, t) + "/partitions" }

func (l Links) partition(cid, t string, p int32) string { return l.partitions(cid, t) + "/" + num(p) }

func (l Links) replicas(cid, t string, p int32) string { return l.partition(cid, t, p) + "/replicas" }

func (l Links) replica(cid, t string, p, b int32) string { return l.replicas(cid, t, p) + "/" + num(b) }

func (l Links) groups(cid string) string { return l.cluster(cid) + "/consumer-groups" }

func (l Links) group(cid, g string) string { return l.groups(cid) + "/" + segment(g) }

func (l Links) consumers(cid, g string) string { return l.group(cid, g) + "/consumers" }

func (l Links) consumer(cid, g, c string) string { return l.consumers(cid, g) + "/" + segment(c) }

func (l Links) assignments(cid, g, c string) string { return l.consumer(cid, g, c) + "/assignments" }

func (l Links) assignment(cid, g, c, t string, p int32) string {
	return l.assignments(cid, g, c) + "/" + segment(t) + "/partitions/" + num(p)
}

func (l Links) lag(cid, g, t string, p int32) string {
	return l.group(cid, g) + "/lags/" + segment(t) + "/partitions/" + num(p)
}

func (l Links) groupOffsets(cid, g, t string) string {
	return l.group(cid, g) + "/offsets/" + segment(t)
}

// TopicSelf is the URL of a topic resource (the Location of a created topic).
func (l Links) TopicSelf(cid, topic string) string { return l.topic(cid, topic) }
