package gateway

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/schema"
)

// SchemaSource finds the JSON Schemas decisions name (value_schema).
type SchemaSource interface {
	// Lookup returns the schema of that name, or nil.
	Lookup(name string) *schema.Schema
}

var _ SchemaSource = (*schema.Store)(nil)

// valueSchema is the schema the decisions name: the records phase's, else
// the request phase's; "" when none.
func (c *call) valueSchema() string {
	if s := c.lim.records.schema; s != "" {
		return s
	}
	return c.lim.request.schema
}

// validateValues checks each record's value against the schema the
// decisions name. What is checked is the bytes written to Kafka, whatever
// the type they were sent as: a JSON value as the policy input decoded it,
// BINARY and STRING data parsed as JSON. A tombstone (no value) has nothing
// to check. The first failure refuses the request with 422. A schema that
// does not exist is a policy error: the request is denied and it is logged.
func (c *call) validateValues(topic string, records []kafkarest.Record) *Response {
	name := c.valueSchema()
	if name == "" {
		return nil
	}
	var sch *schema.Schema
	if c.g.opts.Schemas != nil {
		sch = c.g.opts.Schemas.Lookup(name)
	}
	if sch == nil {
		err := fmt.Errorf("the decision names value_schema %q, which is not a schema of the schema directory", name)
		c.log.Error("policy error: unknown schema", zap.String("schema", name), zap.String("topic", topic), zap.Strings("decision_ids", c.decisions))
		c.g.opts.Metrics.LimitRefused(c.clusterName(), topic, "unknown_schema")
		return c.deny(policy.Decision{Err: err})
	}
	decoded := c.decodedValues()
	for i := range records {
		r := &records[i]
		if r.Value == nil || r.Value.Bytes == nil {
			continue
		}
		v, ok := decoded[r.Index]
		if !ok {
			var err error
			if v, err = schema.Decode(r.Value.Bytes); errors.Is(err, schema.ErrNotJSON) {
				c.g.opts.Metrics.LimitRefused(c.clusterName(), topic, "value_schema")
				return c.fail(kafkarest.InvalidValue("record %d: the value is %s data that is not JSON; topic %s takes JSON values valid against schema %s.",
					r.Index, r.Value.Type, topic, name))
			}
		}
		if bad := sch.Validate(v); bad != nil {
			c.g.opts.Metrics.LimitRefused(c.clusterName(), topic, "value_schema")
			return c.fail(kafkarest.InvalidValue("record %d: the value does not match schema %s: %s.", r.Index, name, bad))
		}
	}
	return nil
}

// decodedValues are the JSON values the records-phase input decoded, by
// record index.
func (c *call) decodedValues() map[int]any {
	out := make(map[int]any, len(c.lim.values))
	for i := range c.lim.values {
		pr := &c.lim.values[i]
		if pr.Value != nil && pr.Value.Type == "JSON" && pr.Value.Data != nil {
			out[pr.Index] = pr.Value.Data
		}
	}
	return out
}
