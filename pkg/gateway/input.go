package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// secretHeaders never reach the policy input (nor, through it, decision logs).
var secretHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"x-api-key":           true,
}

// input builds the policy input of the request phase.
func (c *call) input(phase string) *policy.Input {
	r := c.route
	in := &policy.Input{
		Version:   policy.InputVersion,
		Phase:     phase,
		Action:    string(r.Action),
		Operation: r.Operation,
		Topic:     r.Topic,
		Partition: r.Partition,
		Group:     r.Group,
		Principal: policy.NewPrincipal(c.caller),
		Request: policy.Request{
			ID:      c.req.ID,
			Method:  c.req.Method,
			Path:    strings.SplitN(c.req.Path, "?", 2)[0],
			API:     r.API,
			Query:   r.Query,
			Headers: make(map[string]string, len(c.req.Headers)),
			Source:  c.req.Source,
		},
	}
	if in.Request.Query == nil {
		in.Request.Query = map[string][]string{}
	}
	for k, v := range c.req.Headers {
		if !secretHeaders[k] && !strings.HasPrefix(k, ":") {
			in.Request.Headers[k] = v
		}
	}
	if c.addressed != nil { // as the client addressed it, in every phase
		in.Cluster = policy.Cluster{Name: c.addressed.Name(), ID: c.addressed.ID()}
	} else {
		// A guard's backend may serve clusters topicgate does not know: the
		// id from the path, without a name.
		in.Cluster = policy.Cluster{ID: r.ClusterID}
	}
	switch r.Resource {
	case kafkarest.ResourceTopic:
		in.Resource = policy.Resource{Type: kafkarest.ResourceTopic, Name: r.Topic}
	case kafkarest.ResourceGroup:
		in.Resource = policy.Resource{Type: kafkarest.ResourceGroup, Name: r.Group}
	default:
		// Kafka ACLs name the cluster resource "kafka-cluster".
		in.Resource = policy.Resource{Type: kafkarest.ResourceCluster, Name: "kafka-cluster"}
	}
	return in
}

// recordsInput builds the policy input of the records phase. topic and
// cluster stay as the client named them; target says where the records go.
func (c *call) recordsInput(records []kafkarest.Record) *policy.Input {
	in := c.input(policy.PhaseRecords)
	in.Target = &policy.Target{Topic: c.topic, Cluster: in.Cluster}
	if c.cluster != nil {
		in.Target.Cluster = policy.Cluster{Name: c.cluster.Name(), ID: c.cluster.ID()}
	}
	in.Records = make([]policy.Record, len(records))
	sum := &policy.RecordsSummary{Count: len(records)}
	for i := range records {
		r := &records[i]
		pr := policy.Record{
			Index: r.Index, Partition: r.Partition, Size: r.Size(),
			Key: policyData(r.Key), Value: policyData(r.Value),
			Headers: make([]policy.Header, len(r.Headers)),
		}
		if r.Timestamp != nil {
			ts := r.Timestamp.UTC().Format(time.RFC3339Nano)
			pr.Timestamp = &ts
		}
		for j, h := range r.Headers {
			ph := policy.Header{Name: h.Name}
			if h.Value != nil {
				b64 := base64.StdEncoding.EncodeToString(h.Value)
				ph.ValueBase64 = &b64
				if utf8.Valid(h.Value) {
					s := string(h.Value)
					ph.Value = &s
				}
			}
			pr.Headers[j] = ph
		}
		sum.Bytes += pr.Size
		in.Records[i] = pr
	}
	in.RecordsSummary = sum
	return in
}

func policyData(d *kafkarest.Data) *policy.Data {
	if d == nil {
		return nil
	}
	out := &policy.Data{Type: d.Type, Size: d.Size()}
	switch {
	case d.Text != nil:
		out.Data = *d.Text
	case len(d.JSON) > 0:
		dec := json.NewDecoder(bytes.NewReader(d.JSON))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			out.Data = v
		}
	}
	return out
}
