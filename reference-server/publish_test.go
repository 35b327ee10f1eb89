package refserver

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestServer_publish(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{})
		s := mustSubscribe(t, e.client, e.url+"/events?topic=news")
		tests := []struct {
			query, body       string
			wantID            uint64
			wantType, wantDat string
		}{
			{"topic=news", `{"marker":"m-1","n":1}`, 1, "", `{"marker":"m-1","n":1}`},
			{"topic=news&event=price", "line1\nline2\r\nline3\rline4", 2, "price", "line1\nline2\nline3\nline4"},
			{"topic=news", "", 3, "", ""},
			{"topic=news", "trailing\n", 4, "", "trailing\n"},
		}
		for _, tt := range tests {
			if id := e.publish(t, tt.query, tt.body); id != tt.wantID {
				t.Errorf("POST /publish?%s answered id %d, want %d", tt.query, id, tt.wantID)
			}
			ev := s.nextData(t)
			if ev.rawID != strconv.FormatUint(tt.wantID, 10) || ev.typ != tt.wantType || ev.data != tt.wantDat {
				t.Errorf("got id %q event %q data %q; want %d %q %q", ev.rawID, ev.typ, ev.data, tt.wantID, tt.wantType, tt.wantDat)
			}
		}
		// Another topic has its own ids; the default topic is "default".
		if id := e.publish(t, "topic=other", "x"); id != 1 {
			t.Errorf("first id on topic other = %d, want 1", id)
		}
		if id := e.publish(t, "", "x"); id != 1 {
			t.Errorf("first id on the default topic = %d, want 1", id)
		}
		st := e.srv.Stats()
		if st.PublishRequests != 6 || st.EventsPublished != 6 {
			t.Errorf("PublishRequests, EventsPublished = %d, %d; want 6, 6", st.PublishRequests, st.EventsPublished)
		}
	})
}

func TestServer_publishBatch(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{})
		a := mustSubscribe(t, e.client, e.url+"/events?topic=a")
		b := mustSubscribe(t, e.client, e.url+"/events?topic=b")
		body := `[{"data":"x"},{"topic":"b","data":{"k":[1,2]}},{"event":"e","data":"y\nz"},{"data":null},{"topic":"b"}]`
		code, resp, _ := e.do(t, "POST", "/publish/batch?topic=a", body)
		if want := `{"ids":[1,1,2,3,2]}`; code != http.StatusOK || strings.TrimSpace(resp) != want {
			t.Fatalf("POST /publish/batch = %d %q, want 200 %s", code, resp, want)
		}
		for _, want := range []event{{rawID: "1", data: "x"}, {rawID: "2", typ: "e", data: "y\nz"}, {rawID: "3"}} {
			if ev := a.nextData(t); ev.rawID != want.rawID || ev.typ != want.typ || ev.data != want.data {
				t.Errorf("topic a: got %q %q %q, want %q %q %q", ev.rawID, ev.typ, ev.data, want.rawID, want.typ, want.data)
			}
		}
		for _, want := range []event{{rawID: "1", data: `{"k":[1,2]}`}, {rawID: "2"}} {
			if ev := b.nextData(t); ev.rawID != want.rawID || ev.data != want.data {
				t.Errorf("topic b: got %q %q, want %q %q", ev.rawID, ev.data, want.rawID, want.data)
			}
		}
		if code, resp, _ := e.do(t, "POST", "/publish/batch", "[]"); code != http.StatusOK || strings.TrimSpace(resp) != `{"ids":[]}` {
			t.Errorf("empty batch = %d %q, want 200 {\"ids\":[]}", code, resp)
		}
	})
}

// TestServer_publishErrors checks every way a publish can fail, and that
// none of them publishes anything.
func TestServer_publishErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, body string
		want             int
	}{
		{"bad topic", "/publish?topic=a:b", "x", http.StatusBadRequest},
		{"line break in event type", "/publish?event=a%0Ab", "x", http.StatusBadRequest},
		{"reserved event type", "/publish?event=lost", "x", http.StatusBadRequest},
		{"body too large", "/publish", strings.Repeat("x", 65), http.StatusRequestEntityTooLarge},
		{"new topic beyond --max-topics", "/publish?topic=third", "x", http.StatusNotFound},
		{"batch not JSON", "/publish/batch", "x", http.StatusBadRequest},
		{"batch not an array", "/publish/batch", `{"data":"x"}`, http.StatusBadRequest},
		{"batch unknown key", "/publish/batch", `[{"dat":"x"}]`, http.StatusBadRequest},
		{"batch bad element last", "/publish/batch", `[{"data":"ok"},{"topic":"a b"}]`, http.StatusBadRequest},
		{"batch bad event type", "/publish/batch", `[{"data":"ok"},{"event":"lost"}]`, http.StatusBadRequest},
		{"batch new topics beyond --max-topics", "/publish/batch", `[{"data":"ok"},{"topic":"third"}]`, http.StatusNotFound},
		{"batch too large", "/publish/batch", `[{"data":"` + strings.Repeat("x", 60) + `"}]`, http.StatusRequestEntityTooLarge},
		{"batch trailing data", "/publish/batch", `[] []`, http.StatusBadRequest},
	}
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{MaxPublishBytes: 64, MaxTopics: 2})
		e.do(t, "HEAD", "/events?topic=second", "") // creates the 2nd topic
		for _, tt := range tests {
			if code, body, _ := e.do(t, "POST", tt.path, tt.body); code != tt.want {
				t.Errorf("%s: POST %s = %d %q, want %d", tt.name, tt.path, code, body, tt.want)
			}
		}
		if st := e.srv.Stats(); st.EventsPublished != 0 || st.PublishRequests != 0 {
			t.Errorf("EventsPublished, PublishRequests = %d, %d after failed publishes; want 0, 0", st.EventsPublished, st.PublishRequests)
		}
	})
}

func TestServer_auth(t *testing.T) {
	t.Parallel()
	const pub, sub = "pub-secret", "sub-secret"
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Token: pub, SubscribeToken: sub})
		denied := []struct {
			name, method, path string
			header             []string
		}{
			{"subscribe without token", "GET", "/events", nil},
			{"subscribe with the publish token", "GET", "/events", []string{"Authorization", "Bearer " + pub}},
			{"subscribe with a wrong query token", "GET", "/events?access_token=nope", nil},
			{"HEAD without token", "HEAD", "/events", nil},
			{"publish without token", "POST", "/publish", nil},
			{"publish with a prefix of the token", "POST", "/publish", []string{"Authorization", "Bearer pub-secre"}},
			{"publish with another scheme", "POST", "/publish", []string{"Authorization", "Basic " + pub}},
			{"publish with the token in the query", "POST", "/publish?access_token=" + pub, nil},
			{"publish with the subscribe token", "POST", "/publish", []string{"Authorization", "Bearer " + sub}},
			{"batch without token", "POST", "/publish/batch", nil},
		}
		for _, d := range denied {
			code, _, h := e.do(t, d.method, d.path, `[{"data":"x"}]`, d.header...)
			if code != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: %d, WWW-Authenticate %q; want 401, Bearer", d.name, code, h.Get("WWW-Authenticate"))
			}
		}
		if got, want := e.srv.Stats().Unauthorized, uint64(len(denied)); got != want {
			t.Errorf("Unauthorized = %d, want %d", got, want)
		}
		// Nothing was published: the first event a subscriber sees is id 1.
		s := mustSubscribe(t, e.client, e.url+"/events", "Authorization", "Bearer "+sub)
		mustSubscribe(t, e.client, e.url+"/events?access_token="+sub) // the form browsers can use
		if id := e.publish(t, "", "first", "Authorization", "bearer "+pub); id != 1 {
			t.Errorf("first authorised publish got id %d, want 1", id)
		}
		if ev := s.nextData(t); ev.rawID != "1" || ev.data != "first" {
			t.Errorf("first event = id %q data %q, want id 1 data first", ev.rawID, ev.data)
		}
	})
}

func TestServer_topics(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{})
		def := mustSubscribe(t, e.client, e.url+"/events")
		a := mustSubscribe(t, e.client, e.url+"/events?topic=a")
		ab := mustSubscribe(t, e.client, e.url+"/events?topic=a&topic=b&topic=a")
		e.publish(t, "topic=a", "a1")
		e.publish(t, "topic=b", "b1")
		e.publish(t, "", "d1")
		e.publish(t, "topic=a", "a2")
		expect := func(name string, s *stream, want ...string) {
			t.Helper()
			for _, w := range want {
				ev := s.nextData(t)
				if got := ev.rawID + " " + ev.data; got != w {
					t.Errorf("%s: got %q, want %q", name, got, w)
				}
			}
		}
		expect("default", def, "1 d1")
		expect("a", a, "1 a1", "2 a2")
		// A stream of several topics has composite ids: the last id of
		// every topic, in the order the request named them.
		expect("a+b", ab, "a:1,b:0 a1", "a:1,b:1 b1", "a:2,b:1 a2")
		ts := e.srv.TopicStats()
		got := map[string]TopicStats{}
		for _, x := range ts {
			got[x.Name] = x
		}
		if got["a"].Subscribers != 2 || got["a"].LastID != 2 || got["b"].Subscribers != 1 || got["default"].Subscribers != 1 {
			t.Errorf("TopicStats = %+v", ts)
		}
	})
}

func TestServer_generatorsOnTopics(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Generators: []GeneratorConfig{
			{Topic: "p", Pattern: PatternPoisson, Rate: 200, PayloadBytes: 50, Seed: 1},
			{Topic: "b", Pattern: PatternBurst, BurstEvents: 3, BurstInterval: 100 * time.Millisecond},
		}})
		p := mustSubscribe(t, e.client, e.url+"/events?topic=p")
		b := mustSubscribe(t, e.client, e.url+"/events?topic=b")
		prev := p.mustNext(t)
		for range 10 {
			ev := p.mustNext(t)
			if ev.id != prev.id+1 || pubNs(t, ev) < pubNs(t, prev) || len(ev.data) != 50 {
				t.Errorf("poisson: event %d (%q) after %d", ev.id, ev.data, prev.id)
			}
			prev = ev
		}
		// Bursts of 3 share a stamp; the first id of a burst is 1 mod 3.
		for ev := b.mustNext(t); ev.id%3 != 1; ev = b.mustNext(t) {
		}
		first := b.mustNext(t) // ids 3k+2 ...
		third := b.mustNext(t)
		if third.id != first.id+1 || pubNs(t, first) != pubNs(t, third) {
			t.Errorf("burst: ids %d, %d stamped %d, %d; want one stamp", first.id, third.id, pubNs(t, first), pubNs(t, third))
		}
	})
}
