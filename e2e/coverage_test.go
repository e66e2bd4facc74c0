package e2e

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// The suite must exercise every endpoint topicgate serves: each route needs
// at least one successful (2xx) answer and is counted with its refusals.
// The check runs when the whole suite runs (no -run filter).

type hits struct {
	ok, refused int
	tests       map[string]bool // top-level tests that got a 2xx
}

var (
	coverageMu sync.Mutex
	coverage   = map[string]*hits{} // "METHOD template"
)

// covered records an answer of the route that method and path match, for
// the test that asked ("" when unknown).
func covered(test, method, path string, status int) {
	r, err := kafkarest.Match(method, path)
	if err != nil {
		return
	}
	key := method + " " + r.Template
	coverageMu.Lock()
	defer coverageMu.Unlock()
	h := coverage[key]
	if h == nil {
		h = &hits{}
		coverage[key] = h
	}
	if status >= 200 && status < 300 {
		h.ok++
		if test != "" {
			if h.tests == nil {
				h.tests = map[string]bool{}
			}
			h.tests[strings.SplitN(test, "/", 2)[0]] = true
		}
	} else {
		h.refused++
	}
}

// checkCoverage prints how often each route answered, and reports the routes
// the suite never saw succeed. It checks nothing when a -run filter chose
// some tests only.
func checkCoverage(w io.Writer) error {
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		return nil
	}
	coverageMu.Lock()
	defer coverageMu.Unlock()
	var missing []string
	fmt.Fprintf(w, "e2e: answers per endpoint (2xx / refused):\n")
	routes := kafkarest.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	for _, r := range routes {
		key := r.Method + " " + r.Path
		h := coverage[key]
		if h == nil {
			h = &hits{}
		}
		tests := make([]string, 0, len(h.tests))
		for name := range h.tests {
			tests = append(tests, name)
		}
		sort.Strings(tests)
		fmt.Fprintf(w, "  %4d / %-4d %s %s  %s\n", h.ok, h.refused, r.API, key, strings.Join(tests, ","))
		if h.ok == 0 {
			missing = append(missing, r.API+" "+key)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the suite never got a 2xx answer from %d endpoints: %v", len(missing), missing)
	}
	return nil
}
