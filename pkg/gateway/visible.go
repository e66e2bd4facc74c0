package gateway

import (
	"context"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// visible keeps the items of a list answer the caller may see, in order, as
// Kafka keeps the topics of a metadata answer that the principal may
// DESCRIBE. The list itself was decided at cluster level; each item is then
// decided in phase "item" with the route's other fields, operation op and
// the item as the resource. A denied item, or a failed decision, is left
// out without a word: the answer does not tell which names exist. When the
// request's time runs out (or the client leaves) before every item is
// decided, it fails rather than answer a list cut short.
func (c *call) visible(ctx context.Context, op, resourceType string, names []string) ([]string, error) {
	base := c.input(policy.PhaseItem)
	base.Operation = op
	keep := names[:0:0]
	hidden := 0
	for _, name := range names {
		in := *base
		in.Resource = policy.Resource{Type: resourceType, Name: name}
		switch resourceType {
		case kafkarest.ResourceTopic:
			in.Topic = name
		case kafkarest.ResourceGroup:
			in.Group = name
		}
		d := c.g.opts.Policy.Decide(ctx, &in)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// An item the decision would act on under another name (a topic
		// rewrite) is not this item: it is not shown.
		if d.Allow && (d.Topic == "" || d.Topic == name) {
			keep = append(keep, name)
		} else {
			hidden++
		}
	}
	if hidden > 0 {
		c.log.Debug("list filtered by policy", zap.String("action", string(c.route.Action)),
			zap.Int("shown", len(keep)), zap.Int("hidden", hidden))
	}
	return keep, nil
}

// visibleSet is visible as a set, for answers built from richer items.
func (c *call) visibleSet(ctx context.Context, op, resourceType string, names []string) (map[string]bool, error) {
	keep, err := c.visible(ctx, op, resourceType, names)
	set := make(map[string]bool, len(keep))
	for _, n := range keep {
		set[n] = true
	}
	return set, err
}
