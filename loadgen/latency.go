package loadgen

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/ssebench/ssebench/loadgen/publish"
	"github.com/ssebench/ssebench/loadgen/stamp"
)

// A LatencySource measures an event's fan-out latency (publish to receive)
// from what the event carries: a passive source, such as package stamp's
// WallClock and NewJSON. (An ActiveSource, publisher mode, takes part in
// the run instead.)
type LatencySource interface {
	// Latency returns the latency of an event with this data, received at
	// received. ok is false when the event carries nothing this source can
	// measure. A negative latency (clock skew) is returned as is; the
	// recorder counts it as out of range. Latency is called concurrently
	// from every subscriber goroutine for every event: it must not block
	// and should not allocate.
	Latency(data []byte, received time.Time) (d time.Duration, ok bool)
	// Name describes the source for the report, e.g. "reference".
	Name() string
}

var _ LatencySource = stamp.WallClock{}

// Defaults for LatencyOptions' zero values (publisher mode).
const (
	DefaultPublishMethod      = http.MethodPost
	DefaultPublishRate        = 10.0 // publishes per second
	DefaultPublishConcurrency = 64
	DefaultPublishTimeout     = 10 * time.Second
	DefaultPublishDrain       = 2 * time.Second
	// DefaultPublishBody is the body template when PublishBody is empty: a
	// small JSON object carrying the marker. See PublishBody.
	DefaultPublishBody = publish.DefaultBody
)

// MaxPublishRate bounds PublishRate; it catches typos (an extra zero or
// three), not what a server can take.
const MaxPublishRate = 1e6

// LatencyOptions choose how fan-out latency is measured: from a stamp the
// events carry (Latency), or in publisher mode (PublishURL), where ssebench
// publishes the events itself and times them on its own monotonic clock.
// The Publish fields other than PublishURL may only be set with it.
type LatencyOptions struct {
	// Latency measures each event's fan-out latency from what the event
	// carries, e.g. a stamp.WallClock or stamp.NewJSON. nil means fan-out
	// latency is not measured (and the report says so), unless PublishURL
	// is set; the two cannot be combined.
	Latency LatencySource `json:"-"`

	// PublishURL turns on publisher mode: during the steady state ssebench
	// sends PublishRate requests per second to it, each carrying a marker
	// unique to the run and the request, and every subscriber looks for
	// the marker anywhere in each event's data. The report then has
	// fan-out latency from ssebench's own send time, the publish request
	// latency (successful requests, from when each was due) and the
	// delivery ratio: unique (event, subscriber) deliveries ÷ the
	// subscribers holding a stream when each event was sent, over the
	// events whose publish succeeded; it never exceeds 1, and repeated
	// deliveries are counted apart (package publish); telling them
	// apart costs one bit per published event per subscriber. http or
	// https.
	PublishURL string `json:"publish_url,omitempty"`
	// PublishMethod is the request method. "" means DefaultPublishMethod.
	PublishMethod string `json:"publish_method,omitempty"`
	// PublishHeader is added to every publish request; a "Host" entry
	// sets the request's Host. Credentials are redacted in the JSON echo.
	// The default body gets Content-Type: application/json unless one is
	// given.
	PublishHeader RequestHeader `json:"publish_header,omitempty"`
	// PublishBody is the request body template. Placeholders, replaced
	// per request: {marker} (required: ssebench-<run id>-<seq>, the token
	// subscribers search for; it must not be followed by a digit), {run_id},
	// {seq} (1, 2, …), and the wall-clock send time {ts_ns}, {ts_us},
	// {ts_ms} (Unix, integers) and {ts_s} (Unix seconds with 9 decimals).
	// Other text, braces included, is sent as is. "" means
	// DefaultPublishBody.
	PublishBody string `json:"publish_body,omitempty"`
	// PublishRate is the publishes per second, fractions allowed. Request
	// k (from 0) is due at steady-state start + k/PublishRate, whether or
	// not earlier ones were answered (an open model). 0 means
	// DefaultPublishRate.
	PublishRate float64 `json:"publish_rate,omitempty"`
	// PublishConcurrency caps publish requests in flight. When all are
	// waiting on a slow server, due requests are sent late and their
	// latency counts the wait. 0 means DefaultPublishConcurrency.
	PublishConcurrency int `json:"publish_concurrency,omitempty"`
	// PublishTimeout bounds one publish request; a slower one fails. 0
	// means DefaultPublishTimeout.
	PublishTimeout time.Duration `json:"publish_timeout,omitempty"`
	// PublishDrain is how long the streams stay open after the steady
	// state, at most, for published events still in flight; they close as
	// soon as every subscriber has every event. It is also the grace an
	// event needs to count toward the delivery ratio when the run is
	// interrupted. 0 means DefaultPublishDrain.
	PublishDrain time.Duration `json:"publish_drain,omitempty"`
}

// withDefaults returns o with zero publisher values replaced by defaults.
func (o LatencyOptions) withDefaults() LatencyOptions {
	if o.PublishMethod == "" {
		o.PublishMethod = DefaultPublishMethod
	}
	if o.PublishBody == "" {
		o.PublishBody = DefaultPublishBody
	}
	if o.PublishRate == 0 {
		o.PublishRate = DefaultPublishRate
	}
	if o.PublishConcurrency == 0 {
		o.PublishConcurrency = DefaultPublishConcurrency
	}
	if o.PublishTimeout == 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	if o.PublishDrain == 0 {
		o.PublishDrain = DefaultPublishDrain
	}
	return o
}

// validate lists the problems with o, each naming its flag.
func (o *LatencyOptions) validate() []error {
	var errs []error
	if o.PublishURL == "" {
		if o.PublishMethod != "" || len(o.PublishHeader) > 0 || o.PublishBody != "" || o.PublishRate != 0 ||
			o.PublishConcurrency != 0 || o.PublishTimeout != 0 || o.PublishDrain != 0 {
			errs = append(errs, errors.New("--publish-method, --publish-header, --publish-body, --publish-rate, --publish-concurrency, --publish-timeout and --publish-drain need --publish-url"))
		}
		return errs
	}
	if o.Latency != nil {
		errs = append(errs, fmt.Errorf("--latency %s cannot be used with --publish-url: publisher mode measures fan-out latency from its own send times", o.Latency.Name()))
	}
	if u, err := url.Parse(o.PublishURL); err != nil {
		errs = append(errs, fmt.Errorf("--publish-url %q: %w", o.PublishURL, err))
	} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--publish-url %q: want http[s]://host[:port]/path", o.PublishURL))
	}
	if o.PublishMethod != "" && !publish.ValidMethod(o.PublishMethod) {
		errs = append(errs, fmt.Errorf("--publish-method %q is not an HTTP method", o.PublishMethod))
	}
	if err := publish.CheckHeader(o.PublishHeader); err != nil {
		errs = append(errs, fmt.Errorf("--publish-header: %w", err))
	}
	if o.PublishBody != "" {
		if err := publish.CheckBody(o.PublishBody); err != nil {
			errs = append(errs, fmt.Errorf("--publish-body: %w", err))
		}
	}
	switch r := o.PublishRate; {
	case math.IsNaN(r) || r < 0:
		errs = append(errs, fmt.Errorf("--publish-rate must be > 0, got %g", r))
	case r > MaxPublishRate:
		errs = append(errs, fmt.Errorf("--publish-rate must be <= %g/s, got %g", MaxPublishRate, r))
	}
	if o.PublishConcurrency < 0 {
		errs = append(errs, fmt.Errorf("--publish-concurrency must be > 0, got %d", o.PublishConcurrency))
	}
	if o.PublishTimeout < 0 {
		errs = append(errs, fmt.Errorf("--publish-timeout must be > 0, got %s", o.PublishTimeout))
	}
	if o.PublishDrain < 0 {
		errs = append(errs, fmt.Errorf("--publish-drain must be > 0, got %s", o.PublishDrain))
	}
	return errs
}
