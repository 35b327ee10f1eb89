package loadgen

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestConfig_MarshalJSON_durationsAsStrings(t *testing.T) {
	t.Parallel()
	c := Config{URL: "http://127.0.0.1:1/events", Duration: 10 * time.Second, ConnectTimeout: 2500 * time.Millisecond}
	c.Ramp = time.Minute
	c.Header = RequestHeader{"Authorization": {"Bearer secret"}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"duration": "10s", "connect_timeout": "2.5s", "ramp": "1m0s", "interval": "0s"} {
		if m[key] != want {
			t.Errorf("%s = %#v, want %#v", key, m[key], want)
		}
	}
	if strings.Contains(string(b), "secret") {
		t.Errorf("the echo leaks a credential: %s", b)
	}
}
