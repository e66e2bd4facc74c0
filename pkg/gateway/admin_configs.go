package gateway

import (
	"context"
	"net/http"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// topicConfigs answers GET /topics/-/configs, /topics/{t}/configs and
// /topics/{t}/configs/{name}.
func (c *call) topicConfigs(ctx context.Context) (*Response, BodyFunc) {
	links := c.adminLinks()
	cid := c.cluster.ID()
	names, byTopic, err := c.topicConfigEntries(ctx)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	var out []kafkarest.TopicConfig
	for _, n := range names { // names are sorted; each topic's configs too
		for _, e := range byTopic[n] {
			out = append(out, kafkarest.TopicConfig{Topic: n, Config: adminConfig(e)})
		}
	}
	if c.route.Action != kafkarest.GetTopicConfig {
		return c.adminAnswer(links.TopicConfigList(cid, c.route.Topic, out)), nil
	}
	for _, tc := range out {
		if tc.Name == c.route.Config {
			return c.adminAnswer(links.TopicConfig(cid, tc)), nil
		}
	}
	return c.fail(apierr.New(http.StatusNotFound, 404, "Config %s cannot be found for topic %s.", c.route.Config, c.route.Topic)), nil
}

// topicConfigEntries returns the configs the route asks for, by topic, and
// the topics' names in order: one topic's come cached with its TopicInfo,
// every topic's from one DescribeConfigs call.
func (c *call) topicConfigEntries(ctx context.Context) ([]string, map[string][]kafka.ConfigEntry, error) {
	if c.route.Action != kafkarest.ListAllTopicConfigs {
		t, err := c.cluster.Topic(ctx, c.route.Topic)
		if err != nil {
			return nil, nil, err
		}
		return []string{t.Name}, map[string][]kafka.ConfigEntry{t.Name: t.Configs}, nil
	}
	ts, err := c.cluster.Topics(ctx)
	if err != nil {
		return nil, nil, err
	}
	names, err := c.visible(ctx, kafkarest.OpDescribeConfigs, kafkarest.ResourceTopic, topicNames(ts))
	if err != nil {
		return nil, nil, err
	}
	if len(names) == 0 {
		return names, map[string][]kafka.ConfigEntry{}, nil
	}
	byTopic, err := c.cluster.TopicConfigs(ctx, names)
	return names, byTopic, err
}

// topicConfigChanges parses the changes a config route asks for: the
// config of the path reset (DELETE) or set to the body's value (PUT), or the
// body's batch (configs:alter).
func (c *call) topicConfigChanges(body []byte) (changes []kafkarest.ConfigChange, validateOnly bool, err error) {
	switch c.route.Action {
	case kafkarest.ResetTopicConfig:
		return []kafkarest.ConfigChange{{Name: c.route.Config, Delete: true}}, false, nil
	case kafkarest.UpdateTopicConfig:
		v, err := kafkarest.ParseConfigValue(body)
		return []kafkarest.ConfigChange{{Name: c.route.Config, Value: v}}, false, err
	}
	req, err := kafkarest.ParseAlterConfigs(body)
	return req.Changes, req.ValidateOnly, err
}

// authorizeConfigChanges decides the route's operation on its topic with
// the changes in input.admin.
func (c *call) authorizeConfigChanges(ctx context.Context, changes []kafkarest.ConfigChange, validateOnly bool) *Response {
	admin := &policy.Admin{ValidateOnly: validateOnly, Configs: make([]policy.AdminConfig, len(changes))}
	for i, ch := range changes {
		ac := policy.AdminConfig{Name: ch.Name, Operation: "SET"}
		if ch.Delete {
			ac.Operation = "DELETE"
		} else {
			v := ch.Value
			ac.Value = &v
		}
		admin.Configs[i] = ac
	}
	return c.authorizeAdmin(ctx, c.route.Operation, kafkarest.ResourceTopic, c.route.Topic, admin)
}

// alterTopicConfigs answers PUT and DELETE /topics/{t}/configs/{name} and
// POST /topics/{t}/configs:alter, all with incremental alter configs.
func (c *call) alterTopicConfigs(ctx context.Context) (*Response, BodyFunc) {
	if c.route.Action == kafkarest.ResetTopicConfig {
		changes, _, _ := c.topicConfigChanges(nil)
		return c.changeTopicConfigs(ctx, changes, false), nil
	}
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		changes, validateOnly, err := c.topicConfigChanges(body)
		if err != nil {
			return c.fail(err)
		}
		return c.changeTopicConfigs(ctx, changes, validateOnly)
	})
}

// changeTopicConfigs checks that the topic exists and that it has every
// named config (Kafka would silently accept deleting an unknown one), then
// alters them all at once: a bad value leaves every config as it was.
func (c *call) changeTopicConfigs(ctx context.Context, changes []kafkarest.ConfigChange, validateOnly bool) *Response {
	// The route was decided at the headers; decide again now that the
	// changes are known, so a policy can refuse some values.
	if deny := c.authorizeConfigChanges(ctx, changes, validateOnly); deny != nil {
		return deny
	}
	t, err := c.cluster.Topic(ctx, c.route.Topic)
	if err != nil {
		return c.fail(kafka.ClientError(err))
	}
	known := map[string]bool{}
	for _, e := range t.Configs {
		known[e.Name] = true
	}
	out := make([]kafka.ConfigChange, len(changes))
	for i, ch := range changes {
		if !known[ch.Name] {
			return c.fail(apierr.New(http.StatusBadRequest, 40002, "Unknown topic config name: %s.", ch.Name))
		}
		out[i] = kafka.ConfigChange{Name: ch.Name, Value: ch.Value, Delete: ch.Delete}
	}
	if err := c.cluster.AlterTopicConfigs(ctx, c.route.Topic, out, validateOnly); err != nil {
		return c.fail(kafka.ClientError(err))
	}
	return c.respond(http.StatusNoContent, nil)
}
