package result

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

type inner struct {
	Ramp  time.Duration `json:"ramp"`
	Drain time.Duration `json:"drain,omitempty"`
	Rate  float64       `json:"rate"`
}

type redacted string

func (redacted) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

type outer struct {
	URL      string          `json:"url"`
	Duration time.Duration   `json:"duration"`
	Skip     int             `json:"-"`
	Stages   []stage         `json:"stages,omitempty"`
	Secret   redacted        `json:"secret"`
	Header   http.Header     `json:"header,omitempty"`
	Ptr      *time.Duration  `json:"ptr"`
	Map      map[string]bool `json:"map,omitempty"`
	inner
	hidden int
}

type stage struct {
	Duration time.Duration `json:"duration"`
	Target   int           `json:"target"`
}

func TestEncodeConfig(t *testing.T) {
	t.Parallel()
	d := 1500 * time.Millisecond
	got, err := EncodeConfig(outer{
		URL: "http://x/events", Duration: 10 * time.Second, Skip: 1,
		Stages: []stage{{30 * time.Second, 100}}, Secret: "s", Ptr: &d,
		inner: inner{Ramp: time.Minute + 30*time.Second, Rate: 2.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"url":"http://x/events","duration":"10s","stages":[{"duration":"30s","target":100}],"secret":"[redacted]","ptr":"1.5s","ramp":"1m30s","rate":2.5}`
	if string(got) != want {
		t.Errorf("EncodeConfig =\n%s\nwant\n%s", got, want)
	}
	// Without durations the result is what encoding/json writes.
	plain := struct {
		A int               `json:"a"`
		B []string          `json:"b"`
		C map[string]string `json:"c,omitempty"`
	}{A: 1}
	g2, _ := EncodeConfig(plain)
	w2, _ := json.Marshal(plain)
	if string(g2) != string(w2) {
		t.Errorf("EncodeConfig = %s, want %s", g2, w2)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{`"10s"`, 10 * time.Second, true},
		{`10000000000`, 10 * time.Second, true},
		{`"1m30s"`, 90 * time.Second, true},
		{`"ten"`, 0, false},
		{`true`, 0, false},
	} {
		got, err := ParseDuration(json.RawMessage(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%s) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
