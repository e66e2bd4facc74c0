// Package apierr defines the errors a client may see. Anything that is not an
// *Error is internal: the client gets a generic 500 and the detail goes to the log.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is an error with the HTTP status and error_code a client receives.
type Error struct {
	Status     int           // HTTP status
	Code       int           // error_code in the body (Confluent style: 404, 40403, 50003, ...)
	Message    string        // safe to show to the client
	RetryAfter time.Duration // > 0 adds a Retry-After header
	Header     map[string]string
	cause      error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d/%d %s: %v", e.Status, e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("%d/%d %s", e.Status, e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.cause }

// New returns an error with the given status, error_code and message.
func New(status, code int, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a copy of e that records cause for the logs only.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// WithRetryAfter returns a copy of e that asks the client to retry after d.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// WithHeader returns a copy of e that adds a response header.
func (e *Error) WithHeader(name, value string) *Error {
	c := *e
	c.Header = make(map[string]string, len(e.Header)+1)
	for k, v := range e.Header {
		c.Header[k] = v
	}
	c.Header[name] = value
	return &c
}

// From classifies err: a client-visible *Error anywhere in its chain is
// returned as is; anything else becomes a generic 500.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal.Wrap(err)
}

// Errors shared across the APIs. Messages follow the Confluent REST API's wording
// where it has one, so clients that match on them keep working.
var (
	Internal        = New(http.StatusInternalServerError, 500, "Internal Server Error")
	NotFound        = New(http.StatusNotFound, 404, "HTTP 404 Not Found")
	Unauthenticated = New(http.StatusUnauthorized, 40101, "Authentication failed")
	Forbidden       = New(http.StatusForbidden, 40301, "Request is not authorized")
	UnknownTopic    = New(http.StatusNotFound, 40403, "This server does not host this topic-partition.")
	EmptyBody       = New(http.StatusUnprocessableEntity, 422, "Payload error. Request body is empty. Data is required.")
	TooLarge        = New(http.StatusRequestEntityTooLarge, 413, "The request included a message larger than the maximum message size the server can accept.")
	MediaType       = New(http.StatusUnsupportedMediaType, 415, "HTTP 415 Unsupported Media Type")
	// ClientGone answers a request whose client went away (Envoy cancelled
	// the stream). Nobody receives it; it keeps logs and metrics honest:
	// 499, as proxies record it, not a 500.
	ClientGone = New(499, 499, "The client closed the request.")
)

// UnknownPartition is the 404 for a partition its topic does not have:
// Confluent's UnknownTopic message, then which partition. where, when not "",
// names what in the request asked for it (a record, an offsets entry).
func UnknownPartition(topic string, partition int32, partitions int, where string) *Error {
	msg := fmt.Sprintf("%s has no partition %d (it has %d)", topic, partition, partitions)
	if where != "" {
		msg += ", asked for by " + where
	}
	return New(UnknownTopic.Status, UnknownTopic.Code, "%s: %s.", strings.TrimSuffix(UnknownTopic.Message, "."), msg)
}

// BadRequest is a 400 with error_code 400 and the given message.
func BadRequest(format string, args ...any) *Error {
	return New(http.StatusBadRequest, 400, "Bad Request: "+format, args...)
}
