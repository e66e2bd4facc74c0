package gateway

import (
	"testing"

	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// Every action of the route tables has a handler, and no handler serves an
// action no route has.
func TestHandlers_CoverEveryAction(t *testing.T) {
	routed := map[kafkarest.Action]bool{}
	for _, a := range kafkarest.Actions() {
		routed[a] = true
		if handlers[a] == nil {
			t.Errorf("action %s has no handler", a)
		}
	}
	for a := range handlers {
		if !routed[a] {
			t.Errorf("handler for %s, which no route has", a)
		}
	}
}
