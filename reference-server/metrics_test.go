package refserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseMetrics reads the Prometheus text format by hand, into "name{labels}"
// → value. It shares no code with client_golang.
func parseMetrics(tb testing.TB, text string) map[string]float64 {
	tb.Helper()
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			tb.Fatalf("metrics line %q is not 'name value'", line)
		}
		out[line[:i]] = v
	}
	return out
}

func TestServer_metrics(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Heartbeat: time.Hour})
		s := mustSubscribe(t, e.client, e.url+"/events?topic=a")
		for range 3 {
			e.publish(t, "topic=a", "x")
			s.nextData(t)
		}
		waitFor(t, 5*time.Second, "3 frames written", func() bool { return e.srv.Stats().FramesWritten == 3 })
		code, body, h := e.do(t, "GET", "/metrics", "")
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics = %d, Content-Type %q", code, h.Get("Content-Type"))
		}
		got := parseMetrics(t, body)
		want := map[string]float64{
			"refserver_subscribers":                             1,
			"refserver_subscribers_accepted_total":              1,
			"refserver_events_published_total":                  3,
			"refserver_publish_requests_total":                  3,
			"refserver_events_written_total":                    3,
			"refserver_topics":                                  2, // default and a
			`refserver_topic_subscribers{topic="a"}`:            1,
			`refserver_topic_subscribers{topic="default"}`:      0,
			`refserver_topic_events_published_total{topic="a"}`: 3,
			`refserver_topic_events_delivered_total{topic="a"}`: 3,
			`refserver_topic_last_id{topic="a"}`:                3,
			`refserver_topic_events_dropped_total{topic="a"}`:   0,
			"refserver_slow_disconnects_total":                  0,
			"refserver_events_dropped_total":                    0,
			"refserver_subscribers_rejected_total":              0,
			"refserver_backlog_bytes":                           0,
			"refserver_heartbeats_total":                        0,
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s = %v (present: %v), want %v", k, g, ok, v)
			}
		}
		for _, k := range []string{"refserver_bytes_written_total", "refserver_flushes_total", "process_resident_memory_bytes", "go_goroutines"} {
			if got[k] <= 0 {
				t.Errorf("%s = %v, want > 0", k, got[k])
			}
		}

		code, body, _ = e.do(t, "GET", "/stats", "")
		var doc struct {
			Stats
			TopicStats []TopicStats `json:"topic_stats"`
		}
		if err := json.Unmarshal([]byte(body), &doc); code != http.StatusOK || err != nil {
			t.Fatalf("GET /stats = %d %q: %v", code, body, err)
		}
		if doc.EventsPublished != 3 || doc.Subscribers != 1 || len(doc.TopicStats) != 2 || doc.TopicStats[0] != (TopicStats{
			Name: "a", Subscribers: 1, EventsPublished: 3, LastID: 3, Deliveries: 3}) {
			t.Errorf("GET /stats = %+v", doc)
		}
		if !strings.Contains(body, `"frames_written":3`) {
			t.Errorf("GET /stats = %s, want snake_case keys such as frames_written", body)
		}
	})
}
