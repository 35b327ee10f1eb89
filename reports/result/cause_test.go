package result

import "testing"

func TestReport_Failure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		connected int
		errs      map[string]int64
		samples   map[string]string
		want      string
	}{
		{"measured", 5, map[string]int64{"dial": 2}, nil, ""},
		{"refused", 0, map[string]int64{"dial": 100}, map[string]string{"dial": "dial tcp 127.0.0.1:1: connect: connection refused"},
			"no subscriber connected: 100 × dial: connection refused"},
		{"dominant class", 0, map[string]int64{"timeout": 3, "status": 97}, map[string]string{"status": "503 Service Unavailable", "timeout": "x"},
			"no subscriber connected: 97 × status: 503 Service Unavailable"},
		{"certificate", 0, map[string]int64{"tls": 10}, map[string]string{"tls": "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
			"no subscriber connected: 10 × tls: x509: certificate signed by unknown authority; the server's certificate is not trusted: give --ca FILE with the authority that signed it, or --insecure to skip verification (test servers only)"},
		{"no errors", 0, nil, nil, "no subscriber connected"},
	}
	for _, tt := range tests {
		r := &Report{Subscribers: Subscribers{Connected: tt.connected}, Errors: tt.errs, ErrorSamples: tt.samples}
		if got := r.Failure(); got != tt.want {
			t.Errorf("%s: Failure() =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
}
