package transport

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSourceIPs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "127.0.0.2", want: []string{"127.0.0.2"}},
		{in: "127.0.0.2-127.0.0.4", want: []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}},
		{in: "127.0.0.2 - 127.0.0.3, 127.0.1.9", want: []string{"127.0.0.2", "127.0.0.3", "127.0.1.9"}},
		{in: "127.0.0.255-127.0.1.1", want: []string{"127.0.0.255", "127.0.1.0", "127.0.1.1"}},
		{in: "::1", want: []string{"::1"}},
		{in: "::ffff:127.0.0.2", want: []string{"127.0.0.2"}},
		{in: "", wantErr: "empty item"},
		{in: "127.0.0.2,", wantErr: "empty item"},
		{in: "127.0.0", wantErr: "not an IP address"},
		{in: "127.0.0.2-", wantErr: "not an IP address"},
		{in: "localhost", wantErr: "not an IP address"},
		{in: "127.0.0.0/8", wantErr: "not an IP address"},
		{in: "127.0.0.9-127.0.0.2", wantErr: "ends before it starts"},
		{in: "127.0.0.1-::1", wantErr: "mixes IPv4 and IPv6"},
		{in: "127.0.0.2,::1", wantErr: "mixes IPv4 and IPv6"},
		{in: "127.0.0.2-127.0.0.3,127.0.0.3", wantErr: "127.0.0.3 is listed twice"},
		{in: "127.0.0.0-127.255.255.255", wantErr: "more than 4096 addresses"},
		{in: "fe80::1%eth0", wantErr: "zoned"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			ips, err := ParseSourceIPs(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseSourceIPs(%q) = %v, %v, want an error containing %q", tt.in, ips, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSourceIPs(%q): %v", tt.in, err)
			}
			var got []string
			for _, a := range ips {
				got = append(got, a.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseSourceIPs(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckSourceIPs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ips, host string
		wantErr   string
	}{
		{ips: "127.0.0.2-127.0.0.20", host: "127.0.0.1"},
		{ips: "127.0.0.2", host: "localhost"},
		{ips: "127.0.0.2", host: "app.localhost"},
		{ips: "::1", host: "::1"},
		{ips: "192.0.2.7", host: "127.0.0.1", wantErr: "192.0.2.7 is not a loopback address, but the target 127.0.0.1 is on loopback"},
		{ips: "192.0.2.7", host: "localhost", wantErr: "not a loopback address"},
		{ips: "127.0.0.2", host: "192.0.2.1", wantErr: "127.0.0.2 is a loopback address and cannot reach the target 192.0.2.1"},
		{ips: "127.0.0.2", host: "::1", wantErr: "the sources are IPv4 but the target ::1 is IPv6"},
		{ips: "192.0.2.7", host: "192.0.2.1", wantErr: "192.0.2.7 is not an address of this host"},
		{ips: "192.0.2.7", host: "sse.example.com", wantErr: "not an address of this host"},
	}
	for _, tt := range tests {
		t.Run(tt.ips+"→"+tt.host, func(t *testing.T) {
			t.Parallel()
			ips, err := ParseSourceIPs(tt.ips)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckSourceIPs(ips, tt.host)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("CheckSourceIPs = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("CheckSourceIPs = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
