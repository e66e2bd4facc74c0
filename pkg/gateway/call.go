package gateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// call is one request's state across its phases.
type call struct {
	g         *Gateway
	req       *Request
	log       *zap.Logger
	start     time.Time
	route     kafkarest.Route
	caller    identity.Caller
	principal identity.Principal // caller.Principal: owns consumer instances
	// addressed is the cluster the client addressed (the path's, or v2's
	// default); cluster is the one the request acts on, which a decision
	// may choose (target.go).
	addressed, cluster Cluster
	// topic is the Kafka topic the request acts on: the path's, or the one
	// a decision chose (target.go). route.Topic stays the client's name.
	topic                      string
	topicChosen, clusterChosen bool
	decisions                  []string          // decision ids, for the response header
	headers                    map[string]string // allowing decisions' headers, for the answer
	// lim is what the decisions said of limits, schemas, quotas (limits.go).
	lim limitState
	// request is the last request-phase decision: a produce whose policy
	// reads nothing of the records phase reuses it (authorizeRecords).
	request policy.Decision
	// guard is set for ext_authz checks (authorize.go): begin stops before
	// the handler, and a cluster id topicgate does not know is the
	// backend's to answer.
	guard bool
	// dry is set for DryRun (dryrun.go): a guard's checks, with decisions
	// taken as the policy gave them.
	dry bool
}

func (g *Gateway) newCall(req *Request) *call {
	return &call{
		g: g, req: req, start: time.Now(),
		log: g.opts.Log.With(zap.String("request_id", req.ID)),
	}
}

func (c *call) begin(ctx context.Context) (*Response, BodyFunc) {
	route, err := kafkarest.Match(c.req.Method, c.req.Path)
	if err != nil {
		return c.fail(err), nil
	}
	c.route, c.topic = route, route.Topic
	h := handlers[route.Action]
	if h == nil {
		return c.fail(errNotImplemented), nil
	}
	if route.Public {
		return c.handle(ctx, h)
	}
	if c.caller, err = c.g.opts.Auth.Authenticate(c.req.Credentials); err != nil {
		return c.fail(err), nil
	}
	c.principal = c.caller.Principal
	switch {
	case route.ClusterID != "":
		if c.cluster = c.g.clusterByID(route.ClusterID); c.cluster == nil && !c.guard {
			return c.fail(apierr.New(http.StatusNotFound, 404, "Cluster %s cannot be found.", route.ClusterID)), nil
		}
	case route.API == "v2":
		// The Strimzi API names no cluster: it speaks to the first configured.
		c.cluster = c.g.defaultCluster()
	}
	c.addressed = c.cluster
	if !route.ResourceInBody {
		if d := c.decide(ctx, c.input(policy.PhaseRequest)); !d.Allow {
			return c.deny(d), nil
		}
	}
	return c.handle(ctx, h)
}

// handle runs the route's handler. A guard stops before it (nil, nil): the
// backend serves the request.
func (c *call) handle(ctx context.Context, h handler) (*Response, BodyFunc) {
	if c.guard {
		return nil, nil
	}
	return h(c, ctx)
}

// decide asks the policy. An allowing decision's topic and cluster become
// the request's target and its headers go on the answer; a decision
// topicgate cannot carry out (target.go) denies as a policy error does.
func (c *call) decide(ctx context.Context, in *policy.Input) policy.Decision {
	d := c.g.opts.Policy.Decide(ctx, in)
	if in.Phase == policy.PhaseRequest {
		c.request = d
	}
	if c.guard && !c.dry {
		d = guardDecision(d)
	}
	c.decisions = append(c.decisions, d.ID)
	if !d.Allow {
		return d
	}
	if err := c.applyTarget(&d, in); err != nil {
		c.log.Warn("policy decision cannot be carried out; denying", zap.String("decision_id", d.ID), zap.Error(err))
		return policy.Decision{ID: d.ID, Err: err}
	}
	for k, v := range c.decisionHeaders(&d) {
		if c.headers == nil {
			c.headers = map[string]string{}
		}
		c.headers[k] = v
	}
	c.noteDecision(in, &d)
	return d
}

// deny answers a denying decision: 401 for callers without credentials (so
// they know to authenticate), 403 otherwise, unless the policy chose a status.
func (c *call) deny(d policy.Decision) *Response {
	status := http.StatusForbidden
	if !c.principal.Authenticated() {
		status = http.StatusUnauthorized
	}
	if d.Status != 0 {
		status = d.Status
	}
	msg := "Request is not authorized"
	if d.Reason != "" {
		msg += ": " + d.Reason
	}
	e := apierr.New(status, status*100+1, "%s", msg)
	for k, v := range c.decisionHeaders(&d) {
		e = e.WithHeader(k, v)
	}
	switch {
	case errors.Is(d.Err, context.Canceled): // the client left while the policy ran
		return c.fail(apierr.ClientGone.Wrap(d.Err))
	case d.Err != nil:
		e = e.Wrap(d.Err)
	}
	return c.fail(e)
}

// fail answers an error in the API's envelope. Internal errors are logged
// with their cause; the client sees only the generic message.
func (c *call) fail(err error) *Response {
	var ae *apierr.Error
	if !errors.As(err, &ae) && errors.Is(err, context.Canceled) {
		err = apierr.ClientGone.Wrap(err)
	}
	e := apierr.From(err)
	resp := c.respond(e.Status, kafkarest.ErrorBody(c.route.API, e))
	for k, v := range e.Header {
		if !reservedHeaders[k] { // content-type and ids stay ours
			resp.Headers[k] = v
		}
	}
	if _, set := resp.Headers["www-authenticate"]; e.Status == http.StatusUnauthorized && !set {
		// Every 401 names the schemes a caller may authenticate with.
		resp.Headers["www-authenticate"] = c.g.opts.Auth.Challenge()
	}
	if e.RetryAfter > 0 {
		resp.Headers["retry-after"] = strconv.Itoa(int((e.RetryAfter + time.Second - 1) / time.Second))
	}
	resp.Details = "topicgate_error"
	fields := []zap.Field{zap.Int("status", e.Status), zap.Int("error_code", e.Code), zap.String("message", e.Message)}
	if cause := e.Unwrap(); cause != nil {
		fields = append(fields, zap.NamedError("cause", cause))
	}
	if e.Status >= 500 {
		c.log.Error("request failed", fields...)
	} else {
		c.log.Info("request refused", fields...)
	}
	return resp
}

// respond builds a response in the route's API media type (none when there
// is no body: 204, the bridge's 201) and records the request's metrics.
func (c *call) respond(status int, body []byte) *Response {
	resp := &Response{
		Status:  status,
		Headers: make(map[string]string, 3+len(c.headers)),
		Body:    body,
		Details: "topicgate",
	}
	for k, v := range c.headers { // first: topicgate's own headers replace them
		resp.Headers[k] = v
	}
	resp.Headers["x-request-id"] = c.req.ID
	if body != nil {
		resp.Headers["content-type"] = kafkarest.ContentType(c.route.API)
	}
	if n := len(c.decisions); n > 0 {
		resp.Headers["x-topicgate-decision-id"] = c.decisions[n-1]
	}
	c.quotaHeaders(resp.Headers)
	action := string(c.route.Action)
	if action == "" {
		action = "unmatched"
	}
	d := time.Since(c.start)
	c.g.opts.Metrics.Request(action, c.route.Operation, status, d)
	if ce := c.log.Check(zap.DebugLevel, "request answered"); ce != nil {
		ce.Write(zap.String("action", action), zap.Int("status", status), zap.Duration("duration", d))
	}
	return resp
}
