package refserver

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseResume(t *testing.T) {
	t.Parallel()
	ts := newTopicSet(10, 0)
	a, _ := ts.get("a")
	b, _ := ts.get("b")
	tests := []struct {
		name   string
		id     string
		topics []*topic
		want   []int64 // nil: no resume
		bad    bool
	}{
		{"none", "", []*topic{a}, nil, false},
		{"plain", "42", []*topic{a}, []int64{42}, false},
		{"zero", "0", []*topic{a}, []int64{0}, false},
		{"composite on one topic", "b:3,a:7", []*topic{a}, []int64{7}, false},
		{"composite", "a:5,b:7", []*topic{a, b}, []int64{5, 7}, false},
		{"composite in another order", "b:7,a:5", []*topic{a, b}, []int64{5, 7}, false},
		{"topic missing starts live", "a:5", []*topic{a, b}, []int64{5, -1}, false},
		{"unknown topic ignored", "a:5,c:9,b:1", []*topic{a, b}, []int64{5, 1}, false},
		{"plain on two topics", "5", []*topic{a, b}, nil, true},
		{"negative", "-1", []*topic{a}, nil, true},
		{"plus sign", "+5", []*topic{a}, nil, true},
		{"not a number", "a:x", []*topic{a}, nil, true},
		{"no name", ":5", []*topic{a}, nil, true},
		{"twice", "a:1,a:2", []*topic{a}, nil, true},
		{"overflow", "9223372036854775808", []*topic{a}, nil, true},
		{"garbage", "hello", []*topic{a}, nil, true},
	}
	for _, tt := range tests {
		got, err := parseResume(tt.id, tt.topics)
		if tt.bad {
			if !errors.Is(err, errBadLastEventID) {
				t.Errorf("%s: parseResume(%q) error = %v, want errBadLastEventID", tt.name, tt.id, err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("%s: parseResume(%q) = %v, %v; want %v", tt.name, tt.id, got, err, tt.want)
		}
	}
}

func TestRing_resume(t *testing.T) {
	t.Parallel()
	// A ring of 5 after ids 1..12: it holds 8..12.
	r := ring{max: 5}
	var fs []frame
	for id := uint64(1); id <= 12; id++ {
		fs = append(fs, frame{seq: id})
		if id%4 == 0 { // in batches of 4, as publishers release them
			r.add(fs)
			fs = nil
		}
	}
	empty := ring{max: 0}
	empty.add([]frame{{seq: 1}, {seq: 2}, {seq: 3}})
	tests := []struct {
		name       string
		r          *ring
		after      int64
		wantFrom   uint64
		wantReplay string
		wantLost   string
	}{
		{"live", &r, -1, 12, "[]", "none"},
		{"caught up", &r, 12, 12, "[]", "none"},
		{"inside the ring", &r, 9, 9, "[10 11 12]", "none"},
		{"just before the ring", &r, 7, 7, "[8 9 10 11 12]", "none"},
		{"older than the ring", &r, 3, 3, "[8 9 10 11 12]", "4..7"},
		{"from nothing", &r, 0, 0, "[8 9 10 11 12]", "1..7"},
		{"from the future", &r, 99, 0, "[8 9 10 11 12]", "1..7"},
		{"no ring, behind", &empty, 1, 1, "[]", "2..3"},
		{"no ring, caught up", &empty, 3, 3, "[]", "none"},
		{"no ring, live", &empty, -1, 3, "[]", "none"},
	}
	for _, tt := range tests {
		at := tt.r.resume(tt.after)
		var ids []uint64
		for _, f := range at.replay {
			ids = append(ids, f.seq)
		}
		lost := "none"
		if at.lostTo != 0 {
			lost = fmt.Sprintf("%d..%d", at.lostFrom, at.lostTo)
		}
		if at.from != tt.wantFrom || fmt.Sprint(ids) != tt.wantReplay || lost != tt.wantLost {
			t.Errorf("%s: resume(%d) = from %d, replay %v, lost %s; want from %d, replay %s, lost %s",
				tt.name, tt.after, at.from, ids, lost, tt.wantFrom, tt.wantReplay, tt.wantLost)
		}
	}
}

func TestTopicSet(t *testing.T) {
	t.Parallel()
	ts := newTopicSet(3, 0)
	if got, err := ts.list(nil); err != nil || len(got) != 1 || got[0].name != defaultTopic {
		t.Errorf("list(nil) = %v, %v; want the default topic", got, err)
	}
	got, err := ts.list([]string{"a", "b", "a"})
	if err != nil || len(got) != 2 || got[0].name != "a" || got[1].name != "b" {
		t.Errorf("list(a, b, a) = %v, %v; want a, b", got, err)
	}
	if a, _ := ts.get("a"); a != got[0] {
		t.Errorf("get(a) made a second topic a")
	}
	if _, err := ts.get("c"); !errors.Is(err, errTooManyTopics) {
		t.Errorf("a 4th topic with max 3: %v, want errTooManyTopics", err)
	}
	for _, bad := range []string{"a:b", "a,b", "a b", "é", string(make([]byte, 129))} {
		if _, err := ts.get(bad); !errors.Is(err, errBadTopic) {
			t.Errorf("get(%q) = %v, want errBadTopic", bad, err)
		}
	}
	if got := ts.count(); got != 3 {
		t.Errorf("count = %d, want 3", got)
	}
}
