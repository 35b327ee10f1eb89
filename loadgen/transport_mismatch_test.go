package loadgen

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRun_h2cAgainstServersThatDoNotSpeakIt runs --protocol h2c against
// TCP servers that answer the HTTP/2 preface with something else: every
// subscriber fails as protocol_mismatch, and the sample quotes what the
// server sent, whatever it was.
func TestRun_h2cAgainstServersThatDoNotSpeakIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply string // written on accept, then the connection is closed
		want  string // in the error sample
	}{
		{"HTTP/1 status line", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", `"HTTP/1.1 400 Bad Request"`},
		{"another protocol", "SSH-2.0-OpenSSH_9.6\r\n", `"SSH-2.0-OpenSSH_9.6\r\n"`},
		{"binary", "\x15\x03\x01\x00\x02\x02\x46", `"\x15\x03\x01\x00\x02\x02F"`},
		{"nothing", "", "sent nothing before closing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						c.SetDeadline(time.Now().Add(5 * time.Second))
						buf := make([]byte, 24) // the client's preface first, as a server would read it
						_, _ = c.Read(buf)
						_, _ = c.Write([]byte(tt.reply))
						// Close gracefully: closing with the client's
						// SETTINGS still unread would send a reset, which
						// can discard the reply before the client reads it.
						_ = c.(*net.TCPConn).CloseWrite()
						_, _ = io.Copy(io.Discard, c)
					}()
				}
			}()
			rep, err := run(t, t.Context(), Config{URL: "http://" + ln.Addr().String() + "/events", Protocol: ProtocolH2C,
				Subscribers: 3, Duration: time.Minute, ConnectTimeout: 3 * time.Second})
			if err == nil {
				t.Fatal("the run measured something against a server that does not speak HTTP/2")
			}
			if got := rep.Errors[ClassProtocolMismatch]; got != 3 {
				t.Fatalf("errors = %v, want 3 × %s", rep.Errors, ClassProtocolMismatch)
			}
			if s := rep.ErrorSamples[ClassProtocolMismatch]; !strings.Contains(s, tt.want) {
				t.Errorf("sample %q lacks %q", s, tt.want)
			}
		})
	}
}
