package apierr

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFrom(t *testing.T) {
	cause := errors.New("disk on fire")
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   int
		wantMsg    string
	}{
		{name: "an *Error is kept", err: UnknownTopic, wantStatus: 404, wantCode: 40403, wantMsg: UnknownTopic.Message},
		{name: "a wrapped *Error is found", err: fmt.Errorf("ctx: %w", Forbidden), wantStatus: 403, wantCode: 40301, wantMsg: Forbidden.Message},
		{name: "anything else is a generic 500", err: cause, wantStatus: 500, wantCode: 500, wantMsg: "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := From(tt.err)
			if got.Status != tt.wantStatus || got.Code != tt.wantCode || got.Message != tt.wantMsg {
				t.Errorf("From(%v) = %d/%d %q, want %d/%d %q", tt.err, got.Status, got.Code, got.Message, tt.wantStatus, tt.wantCode, tt.wantMsg)
			}
			if !errors.Is(got, tt.err) && !errors.Is(tt.err, got) {
				t.Errorf("From(%v) lost the original error", tt.err)
			}
		})
	}
}

func TestError_CopiesDoNotChangeTheOriginal(t *testing.T) {
	base := New(409, 40901, "conflict on %s", "orders")
	withHeader := base.WithHeader("x-a", "1").WithHeader("x-b", "2")
	withRetry := base.WithRetryAfter(3 * time.Second)
	wrapped := base.Wrap(errors.New("cause"))

	if base.Header != nil || base.RetryAfter != 0 || base.Unwrap() != nil {
		t.Errorf("the original changed: %+v", base)
	}
	if diff := cmp.Diff(map[string]string{"x-a": "1", "x-b": "2"}, withHeader.Header); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}
	if again := withHeader.WithHeader("x-c", "3"); len(withHeader.Header) != 2 || len(again.Header) != 3 {
		t.Errorf("WithHeader shares its map: %v / %v", withHeader.Header, again.Header)
	}
	if withRetry.RetryAfter != 3*time.Second {
		t.Errorf("RetryAfter = %v", withRetry.RetryAfter)
	}
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{name: "plain", err: base, want: "409/40901 conflict on orders"},
		{name: "wrapped shows its cause", err: wrapped, want: "409/40901 conflict on orders: cause"},
		{name: "bad request prefix", err: BadRequest("record %d is odd", 2), want: "400/400 Bad Request: record 2 is odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnknownPartition(t *testing.T) {
	e := UnknownPartition("orders", 7, 3, "")
	if e.Status != 404 || e.Code != 40403 || e.Message != "This server does not host this topic-partition: orders has no partition 7 (it has 3)." {
		t.Errorf("got %d/%d %q", e.Status, e.Code, e.Message)
	}
	e = UnknownPartition("orders", 7, 3, "offsets[1]")
	if e.Message != "This server does not host this topic-partition: orders has no partition 7 (it has 3), asked for by offsets[1]." {
		t.Errorf("with where: %q", e.Message)
	}
}
