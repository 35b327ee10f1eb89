package capacity

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/transport"
	"github.com/ssebench/ssebench/reports/result"
)

// Defaults for BrowserConfig's zero values.
const (
	// DefaultTabs is how many browser tabs are emulated.
	DefaultTabs = 10
	// DefaultTabWait is how long a tab waits for its stream before it
	// counts as waiting. A browser would wait for ever; two seconds is far
	// longer than a loopback or LAN handshake.
	DefaultTabWait = 2 * time.Second
)

// BrowserH1Connections is the most HTTP/1.1 connections a browser opens
// to one origin (host, port and scheme), shared by all its tabs: six in
// Chrome, Firefox and Safari. An EventSource holds its connection for good,
// so a seventh stream waits until another closes.
const BrowserH1Connections = 6

// BrowserConfig configures Browser.
type BrowserConfig struct {
	// Base is the target and its TLS and header options.
	Base loadgen.Config
	// Tabs is how many tabs open one EventSource each on the target. 0
	// means DefaultTabs.
	Tabs int
	// Wait is how long a tab waits for response headers before it counts
	// as waiting. 0 means DefaultTabWait.
	Wait time.Duration
}

// Browser emulates Tabs browser tabs, each opening one stream to the
// target, the way a browser pools connections per origin:
//
//   - HTTP/1.1: an http.Transport with MaxConnsPerHost = 6; tabs beyond the
//     six connections queue for one, as in a browser;
//   - HTTP/2: one connection (h2 for https, h2c for http) whose streams the
//     server's SETTINGS_MAX_CONCURRENT_STREAMS bounds; tabs beyond it queue
//     for a stream slot.
//
// A tab is served when it gets a 200 text/event-stream answer within Wait,
// waiting when it has none by then, failed when it got another answer or
// an error. Every served stream is held until all tabs have their outcome,
// so waiting tabs cannot take a freed connection.
func Browser(ctx context.Context, bc BrowserConfig) (*result.BrowserView, error) {
	bc.Tabs = cmp.Or(bc.Tabs, DefaultTabs)
	bc.Wait = cmp.Or(bc.Wait, DefaultTabWait)
	t, err := parseTarget(&bc.Base)
	if err != nil {
		return nil, err
	}
	v := &result.BrowserView{Tabs: bc.Tabs, WaitS: bc.Wait.Seconds()}
	v.H1 = browserH1(ctx, &bc, t)
	v.H2 = browserH2(ctx, &bc, t)
	v.Note = browserNote(v, t)
	return v, nil
}

// browserH1 runs the tabs over HTTP/1.1 with six connections per origin.
func browserH1(ctx context.Context, bc *BrowserConfig, t *target) result.BrowserProtocol {
	bp := result.BrowserProtocol{Protocol: loadgen.ProtocolH1, Connections: BrowserH1Connections}
	var tc *tls.Config
	if t.tls {
		var err error
		if tc, err = tlsConfig(&bc.Base.TargetOptions, t.u.Hostname(), []string{"http/1.1"}); err != nil {
			bp.Error = err.Error()
			return bp
		}
	}
	d, err := tcpDialer(&bc.Base.TargetOptions)
	if err != nil {
		bp.Error = err.Error()
		return bp
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	tr := &http.Transport{DialContext: dialContext(d), MaxConnsPerHost: BrowserH1Connections, TLSClientConfig: tc, Protocols: &protos, DisableCompression: true}
	defer tr.CloseIdleConnections()
	runTabs(ctx, bc, tr, &bp)
	return bp
}

// browserH2 runs the tabs as streams of one HTTP/2 connection.
func browserH2(ctx context.Context, bc *BrowserConfig, t *target) result.BrowserProtocol {
	bp := result.BrowserProtocol{Protocol: loadgen.ProtocolH2C, Connections: 1}
	if t.tls {
		bp.Protocol = loadgen.ProtocolH2
	}
	dctx, cancel := context.WithTimeout(ctx, connectTimeout(&bc.Base))
	defer cancel()
	c, err := t.dial(dctx, &bc.Base.TargetOptions, []string{"h2", "http/1.1"})
	if err != nil {
		bp.Error = "could not connect: " + err.Error()
		return bp
	}
	if tc, ok := c.(*tls.Conn); ok {
		if np := tc.ConnectionState().NegotiatedProtocol; np != "h2" {
			c.Close()
			bp.Error = fmt.Sprintf("the server does not offer HTTP/2 over TLS (ALPN chose %q)", np)
			return bp
		}
	}
	// Strict: a request beyond the server's stream limit waits for a
	// slot on this connection, as a browser's does, instead of failing.
	tr := &http2.Transport{AllowHTTP: true, StrictMaxConcurrentStreams: true}
	cc, err := tr.NewClientConn(c)
	if err != nil {
		c.Close()
		bp.Error = err.Error()
		return bp
	}
	defer cc.Close()
	// Until the server's SETTINGS arrive the client assumes 100 streams;
	// a PING's answer comes after them.
	if err := cc.Ping(dctx); err != nil {
		bp.Error = "the server does not speak HTTP/2 (" + bp.Protocol + "): " + err.Error()
		return bp
	}
	runTabs(ctx, bc, cc, &bp)
	return bp
}

// runTabs opens one stream per tab through rt, all at once, and counts
// their outcomes into bp.
func runTabs(ctx context.Context, bc *BrowserConfig, rt http.RoundTripper, bp *result.BrowserProtocol) {
	// hold keeps the served streams open until every tab has its outcome.
	hold, release := context.WithCancel(ctx)
	defer release()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		bodies []func() error
	)
	for range bc.Tabs {
		wg.Go(func() {
			tctx, cancel := context.WithCancel(hold)
			timer := time.AfterFunc(bc.Wait, cancel)
			req, err := newRequest(tctx, &bc.Base)
			var resp *http.Response
			if err == nil {
				resp, err = rt.RoundTrip(req)
			}
			answered := timer.Stop()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case !answered || (err != nil && timedOut(err)):
				bp.Waiting++
			case err != nil:
				bp.Failed++
				bp.Sample = cmp.Or(bp.Sample, err.Error())
			case transport.IsStream(resp):
				bp.Served++
			default:
				bp.Failed++
				bp.Sample = cmp.Or(bp.Sample, "HTTP "+resp.Status)
			}
			if err == nil {
				bodies = append(bodies, resp.Body.Close)
			}
			// Every tab's context ends with hold, not before: cancelling
			// a served tab's would close its stream and free a connection.
			_ = cancel
		})
	}
	wg.Wait()
	release()
	for _, closeBody := range bodies {
		_ = closeBody()
	}
}

// browserNote explains the browsers' rules that apply to the target.
func browserNote(v *result.BrowserView, t *target) string {
	s := fmt.Sprintf("Browsers open at most %d HTTP/1.1 connections per origin, shared by every tab, and an EventSource holds one for good: "+
		"over HTTP/1.1 a 7th tab's stream waits until another tab closes. Over HTTP/2 all tabs share one connection, "+
		"as many streams as the server's SETTINGS_MAX_CONCURRENT_STREAMS allows.", BrowserH1Connections)
	if !t.tls {
		s += " Browsers speak HTTP/2 only over TLS: against this http:// URL they use HTTP/1.1; the h2c row shows what the server would allow over https."
	}
	if v.H2.Error != "" {
		s += " This server does not speak HTTP/2 here, so browsers are held to the HTTP/1.1 row."
	}
	return s
}
