package capacity

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/transport"
	"github.com/ssebench/ssebench/reports/result"
)

// probeH2 speaks HTTP/2 frames on one connection (h2 with ALPN for an
// https target, h2c with prior knowledge for http) to read the server's
// SETTINGS_MAX_CONCURRENT_STREAMS and to test whether it enforces it: it
// opens the limit plus one streams at once, without waiting, and counts
// the response HEADERS and the RST_STREAMs.
//
// Why raw frames and not an http2.ClientConn: a conforming client never
// opens more streams than the server allows (it queues them), so it cannot
// ask the question. RFC 9113 §5.1.2 says a server refuses a stream beyond
// its limit with RST_STREAM, REFUSED_STREAM or PROTOCOL_ERROR; Go's server
// uses PROTOCOL_ERROR once its SETTINGS were acknowledged, as here.
func probeH2(ctx context.Context, cfg *loadgen.Config, ceiling int) *result.H2Probe {
	t, err := parseTarget(cfg)
	if err != nil {
		return &result.H2Probe{Protocol: loadgen.ProtocolH2C, Error: err.Error()}
	}
	p := &result.H2Probe{Protocol: loadgen.ProtocolH2C}
	if t.tls {
		p.Protocol = loadgen.ProtocolH2
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout(cfg))
	defer cancel()
	c, err := t.dial(ctx, &cfg.TargetOptions, []string{"h2"})
	if err != nil {
		p.Error = "could not connect: " + err.Error()
		return p
	}
	defer c.Close()
	if tc, ok := c.(*tls.Conn); ok {
		if np := tc.ConnectionState().NegotiatedProtocol; np != "h2" {
			p.Error = fmt.Sprintf("the server does not offer HTTP/2 over TLS (ALPN chose %q)", np)
			return p
		}
	}
	// The connection dies with ctx: every read and write below then fails.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	hc := &loadgen.SniffConn{Conn: c}
	if _, err := io.WriteString(hc, http2.ClientPreface); err != nil {
		p.Error = "writing the preface: " + err.Error()
		return p
	}
	fr := http2.NewFramer(hc, hc)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(); err != nil {
		p.Error = "writing SETTINGS: " + err.Error()
		return p
	}
	f, err := fr.ReadFrame()
	if err != nil {
		if line, ok := hc.HTTP1(); ok {
			p.Error = fmt.Sprintf("the server answered the HTTP/2 preface in HTTP/1 (%q)", line)
		} else {
			p.Error = "the server did not answer the HTTP/2 preface: " + err.Error()
		}
		return p
	}
	sf, ok := f.(*http2.SettingsFrame)
	if !ok || sf.IsAck() {
		p.Error = fmt.Sprintf("the server's first frame was %v, not SETTINGS", f.Header().Type)
		return p
	}
	p.Supported = true
	limit, advertised := sf.Value(http2.SettingMaxConcurrentStreams)
	if err := fr.WriteSettingsAck(); err != nil {
		p.Error = "acknowledging SETTINGS: " + err.Error()
		return p
	}
	if !advertised {
		p.Note = "without the setting a server allows any number of streams (RFC 9113 §6.5.2); enforcement not tested"
		return p
	}
	p.Advertised, p.MaxConcurrentStreams = true, limit
	if int64(limit) >= int64(ceiling) {
		p.Note = fmt.Sprintf("enforcement not tested: the limit is above the probe's ceiling of %d streams on one connection", ceiling)
		return p
	}

	n := int(limit) + 1
	if err := writeStreams(ctx, fr, cfg, n); err != nil {
		p.Error = "opening streams: " + err.Error()
		return p
	}
	p.Opened = n
	statuses := map[string]int{}
	settled := map[uint32]bool{} // streams with an answer or a reset
	for p.Answered+p.Refused < n {
		f, err := fr.ReadFrame()
		if err != nil {
			p.Note = fmt.Sprintf("%d of %d streams had an answer before the connection ended (%v)", p.Answered+p.Refused, n, err)
			break
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if !settled[f.StreamID] {
				settled[f.StreamID] = true
				p.Answered++
				statuses[f.PseudoValue("status")]++
			}
		case *http2.RSTStreamFrame:
			// Only a stream's first outcome counts: a refused stream's
			// body, sent before the refusal arrived, earns it a second
			// reset (STREAM_CLOSED).
			if !settled[f.StreamID] {
				settled[f.StreamID] = true
				p.Refused++
				p.ResetCode = f.ErrCode.String()
			}
		case *http2.GoAwayFrame:
			p.Note = fmt.Sprintf("the server sent GOAWAY (%v) after %d answers and %d resets", f.ErrCode, p.Answered, p.Refused)
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = fr.WritePing(true, f.Data)
			}
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = fr.WriteSettingsAck()
			}
		}
		if _, ok := f.(*http2.GoAwayFrame); ok {
			break
		}
	}
	switch {
	case p.Refused > 0 && p.Answered <= int(limit):
		p.Enforced = boolPtr(true)
	case p.Answered > int(limit):
		p.Enforced = boolPtr(false)
	}
	var others []string
	for _, s := range slices.Sorted(maps.Keys(statuses)) {
		if s != "200" {
			others = append(others, fmt.Sprintf("%d streams were answered with status %s", statuses[s], s))
		}
	}
	if len(others) > 0 {
		p.Note = strings.TrimSpace(p.Note + " " + strings.Join(others, ", "))
	}
	return p
}

// writeStreams opens n streams on fr, ids 1, 3, 5, …: each the
// subscription request loadgen sends (transport.Request: method, headers,
// Host, body in a DATA frame).
func writeStreams(ctx context.Context, fr *http2.Framer, cfg *loadgen.Config, n int) error {
	req, err := newRequest(ctx, cfg)
	if err != nil {
		return err
	}
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range transport.H2Fields(req) {
		if err := enc.WriteField(f); err != nil {
			return err
		}
	}
	body := []byte(cfg.Body)
	for i := range n {
		id := uint32(2*i + 1)
		err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndStream: len(body) == 0, EndHeaders: true})
		// DATA frames of at most 16 KiB, the smallest SETTINGS_MAX_FRAME_SIZE.
		for rest := body; err == nil && len(rest) > 0; {
			chunk := rest[:min(len(rest), 16<<10)]
			rest = rest[len(chunk):]
			err = fr.WriteData(id, len(rest) == 0, chunk)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func boolPtr(b bool) *bool { return &b }
