package refserver

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsNamespace prefixes every metric name.
const metricsNamespace = "refserver"

// A metric describes one value of Stats or TopicStats for /metrics.
type metric struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	get  func(Stats) float64
}

func newMetric(name, help string, kind prometheus.ValueType, get func(Stats) float64) metric {
	return metric{prometheus.NewDesc(metricsNamespace+"_"+name, help, nil, nil), kind, get}
}

// serverMetrics are the server-wide metrics, in the order /metrics lists
// them (it sorts them by name anyway).
var serverMetrics = []metric{
	newMetric("subscribers", "Open event streams.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.Subscribers) }),
	newMetric("subscribers_accepted_total", "Event streams accepted.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.SubscribersTotal) }),
	newMetric("subscribers_rejected_total", "Subscriptions answered 503 because --max-subscribers streams were open.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.SubscribersRejected) }),
	newMetric("unauthorized_total", "Requests answered 401.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Unauthorized) }),
	newMetric("topics", "Topics that exist.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.Topics) }),
	newMetric("events_published_total", "Events created, by generators and POST /publish.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.EventsPublished) }),
	newMetric("publish_requests_total", "POST /publish requests that published.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.PublishRequests) }),
	newMetric("events_written_total", "Deliveries: events written to a subscriber's connection (heartbeats excluded).", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.FramesWritten) }),
	newMetric("bytes_written_total", "Stream bytes written to subscribers, response headers excluded.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.BytesWritten) }),
	newMetric("flushes_total", "Writes that pushed bytes to a client: system calls on hijacked HTTP/1.1 connections, Flush calls on other streams.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Flushes) }),
	newMetric("heartbeats_total", "Heartbeat comments sent.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Heartbeats) }),
	newMetric("backlog_bytes", "Bytes queued on the server for subscribers that read slower than events come.", prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.BacklogBytes) }),
	newMetric("slow_disconnects_total", "Subscribers disconnected because their backlog would exceed --max-backlog.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.SlowDisconnects) }),
	newMetric("events_dropped_total", "Deliveries lost to slow subscribers: skipped (--slow-policy drop) or pending at a slow disconnect.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Dropped) }),
	newMetric("resumes_total", "Subscriptions that came with a Last-Event-ID.", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Resumes) }),
	newMetric("events_lost_total", "Events resuming subscribers were told they lost (gone from the replay ring).", prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.EventsLost) }),
}

// A topicMetric describes one value of TopicStats.
type topicMetric struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	get  func(TopicStats) float64
}

func newTopicMetric(name, help string, kind prometheus.ValueType, get func(TopicStats) float64) topicMetric {
	return topicMetric{prometheus.NewDesc(metricsNamespace+"_topic_"+name, help, []string{"topic"}, nil), kind, get}
}

// topicMetrics are the per-topic metrics. Their label's cardinality is
// bounded by --max-topics.
var topicMetrics = []topicMetric{
	newTopicMetric("subscribers", "Open event streams that include the topic.", prometheus.GaugeValue,
		func(t TopicStats) float64 { return float64(t.Subscribers) }),
	newTopicMetric("events_published_total", "Events of the topic.", prometheus.CounterValue,
		func(t TopicStats) float64 { return float64(t.EventsPublished) }),
	newTopicMetric("last_id", "Id of the topic's last event.", prometheus.GaugeValue,
		func(t TopicStats) float64 { return float64(t.LastID) }),
	newTopicMetric("events_delivered_total", "Events of the topic handed to a stream (written, or queued to be).", prometheus.CounterValue,
		func(t TopicStats) float64 { return float64(t.Deliveries) }),
	newTopicMetric("events_dropped_total", "Events of the topic a slow stream skipped or was offered as it was disconnected.", prometheus.CounterValue,
		func(t TopicStats) float64 { return float64(t.Dropped) }),
}

// statsCollector exports Stats and TopicStats. It reads the counters when
// scraped, so metrics cost the event path nothing: no per-event calls into
// client_golang, no locks.
type statsCollector struct{ s *Server }

func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range serverMetrics {
		ch <- m.desc
	}
	for _, m := range topicMetrics {
		ch <- m.desc
	}
}

func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for _, m := range serverMetrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.get(st))
	}
	for _, ts := range c.s.TopicStats() {
		for _, m := range topicMetrics {
			ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.get(ts), ts.Name)
		}
	}
}

// newRegistry returns the registry behind /metrics: the server's own
// metrics plus the Go runtime's and the process's (RSS, open file
// descriptors, CPU), which are what a capacity test needs next to them. A
// registry per Server, not the global one, so that tests and programs may
// run several.
func (s *Server) newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		statsCollector{s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// metricsHandler serves GET /metrics in the Prometheus text format (or
// OpenMetrics, when the scraper asks for it).
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// handleHealthz serves GET /healthz: 200 while serving, 503 once shutting
// down, so that a load balancer stops sending new clients.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.hub.closed() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// statsDoc is the JSON of GET /stats: Stats's keys, and the topics.
type statsDoc struct {
	Stats
	TopicList []TopicStats `json:"topic_stats"`
}

// handleStats serves GET /stats as JSON.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, statsDoc{Stats: s.Stats(), TopicList: s.TopicStats()})
}
