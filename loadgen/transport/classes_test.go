package transport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// classified is a Classified error, as loadgen's ConnError and h2sub's
// Error are.
type classified struct{ class string }

func (c classified) Error() string      { return "classified " + c.class }
func (c classified) ErrorClass() string { return c.class }

func TestLostClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		err          error
		afterHeaders bool
		want         string
	}{
		{"clean end", nil, true, ClassEOF},
		{"event too large", fmt.Errorf("read: %w", sse.ErrEventTooLarge), true, ClassTooLarge},
		{"deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), true, ClassTimeout},
		{"reset before headers", io.ErrUnexpectedEOF, false, ClassProtocol},
		{"reset after headers", io.ErrUnexpectedEOF, true, ClassRead},
		{"a classified error keeps its class", fmt.Errorf("wrapped: %w", classified{ClassProtocolMismatch}), true, ClassProtocolMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := LostClass(tt.err, tt.afterHeaders); got != tt.want {
				t.Errorf("LostClass(%v, %t) = %q, want %q", tt.err, tt.afterHeaders, got, tt.want)
			}
		})
	}
}

func TestDialClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ClassDial},
		{"out of descriptors", &net.OpError{Op: "dial", Err: syscall.EMFILE}, ClassFDLimit},
		{"out of ports", &net.OpError{Op: "dial", Err: syscall.EADDRNOTAVAIL}, ClassLocalPorts},
		{"deadline", os.ErrDeadlineExceeded, ClassTimeout},
		{"other", errors.New("boom"), ClassProtocol},
		{"a classified error keeps its class", classified{ClassTLS}, ClassTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DialClass(tt.err); got != tt.want {
				t.Errorf("DialClass(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestResponseClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  int
		ct      string
		want    string
		wantErr string
	}{
		{200, "text/event-stream", "", ""},
		{200, "Text/Event-Stream; charset=utf-8", "", ""},
		{204, "", ClassNoContent, "HTTP 204 No Content: the server asked the client to stop reconnecting"},
		{404, "text/event-stream", ClassStatus, "HTTP 404 Not Found"},
		{200, "text/plain", ClassContentType, `Content-Type "text/plain", want text/event-stream`},
	}
	for _, tt := range tests {
		class, err := ResponseClass(tt.status, tt.ct)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if class != tt.want || got != tt.wantErr {
			t.Errorf("ResponseClass(%d, %q) = %q, %q; want %q, %q", tt.status, tt.ct, class, got, tt.want, tt.wantErr)
		}
	}
}
