package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/topicgate/topicgate/pkg/metrics"
)

// Go's profiles are served only when profiling is on.
func TestAdminHandler_ProfilingIsOptIn(t *testing.T) {
	for _, on := range []bool{false, true} {
		h := adminHandler(newState(nil, nil), metrics.New(), on)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/", nil))
		if want := map[bool]int{false: http.StatusNotFound, true: http.StatusOK}[on]; rec.Code != want {
			t.Errorf("profiling %v: /debug/pprof/ answered %d, want %d", on, rec.Code, want)
		}
	}
}
