package publish

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseBodyTemplate_render(t *testing.T) {
	t.Parallel()
	const ns = int64(1_700_000_000_012_345_678)
	tests := []struct {
		name, tmpl, want string
	}{
		{"default", DefaultBody, `{"ssebench":"ssebench-abc-7","seq":7,"ts_ns":1700000000012345678}`},
		{"every placeholder", "{marker} {run_id} {seq} {ts_ns} {ts_us} {ts_ms} {ts_s}",
			"ssebench-abc-7 abc 7 1700000000012345678 1700000000012345 1700000000012 1700000000.012345678"},
		{"form body", "data={marker}&channel=x", "data=ssebench-abc-7&channel=x"},
		{"literal braces", `{"a":{"b":"{marker}"},"c":"{x-y}","d":"{}{"}`, `{"a":{"b":"ssebench-abc-7"},"c":"{x-y}","d":"{}{"}`},
		{"marker then letter", "{marker}x", "ssebench-abc-7x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := parseBodyTemplate(tt.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(tmpl.render(nil, "ssebench-abc-", "abc", 7, ns)); got != tt.want {
				t.Errorf("render = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseBodyTemplate_errors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, tmpl, want string }{
		{"no marker", `{"seq":{seq}}`, "must contain {marker}"},
		{"empty", "", "must contain {marker}"},
		{"typo", `{"m":"{marker}","s":{sq}}`, "unknown placeholder {sq}"},
		{"digit after marker", "{marker}7", "must not be followed"},
		{"seq after marker", "{marker}{seq}", "must not be followed"},
		{"run id after marker", "{marker}{run_id}", "must not be followed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parseBodyTemplate(tt.tmpl); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseBodyTemplate(%q) = %v, want an error containing %q", tt.tmpl, err, tt.want)
			}
		})
	}
	if _, err := parseBodyTemplate("x"); !errors.Is(err, errNoMarker) {
		t.Errorf("error = %v, want errNoMarker", err)
	}
}

func TestScheduleLen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rate float64
		d    time.Duration
		want int
	}{
		{10, time.Second, 10},                   // due at 0, 100 ms, … 900 ms
		{10, time.Second + time.Nanosecond, 11}, // and at 1 s
		{3, time.Second, 3},                     // 0, 333 ms, 666 ms
		{0.5, 10 * time.Second, 5},              // every 2 s
		{100, 0, 0},                             // no steady state
		{1e6, time.Millisecond, 1000},           // the fastest rate
		{7, 3 * time.Second, 21},                // 21 exactly: 21/7 s is not < 3 s
		{1.0 / 3, time.Minute, 20},              // every 3 s
		{1000, 1500 * time.Millisecond, 1500},   // fractional seconds
		{60, time.Second - time.Nanosecond, 60}, // the last due just inside
		{10, 10 * time.Second, 100},             // loadgen's default rate and duration
	}
	for _, tt := range tests {
		if got := scheduleLen(tt.rate, tt.d); got != tt.want {
			t.Errorf("scheduleLen(%g, %s) = %d, want %d", tt.rate, tt.d, got, tt.want)
		}
	}
}

func TestSteadyClock_pausesBetweenWindows(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	c := newSteadyClock()
	if _, known, never, _ := c.wallAt(0); known || never {
		t.Fatalf("before the steady state: known = %v, never = %v; want false, false", known, never)
	}
	c.set(true, at(time.Second)) // window 1: 1 s to 3 s
	if w, known, _, _ := c.wallAt(500 * time.Millisecond); !known || !w.Equal(at(1500*time.Millisecond)) {
		t.Errorf("wallAt(500ms) = %v, %v; want t0+1.5s", w.Sub(t0), known)
	}
	c.set(false, at(3*time.Second))
	if w, known, _, _ := c.wallAt(1999 * time.Millisecond); !known || !w.Equal(at(2999*time.Millisecond)) {
		t.Errorf("wallAt(1.999s) = %v, %v; want t0+2.999s from the closed window", w.Sub(t0), known)
	}
	if _, known, never, _ := c.wallAt(2 * time.Second); known || never {
		t.Errorf("wallAt(2s) between windows: known = %v, never = %v; want false, false", known, never)
	}
	c.set(true, at(10*time.Second)) // window 2 resumes at steady time 2 s
	if w, known, _, _ := c.wallAt(2500 * time.Millisecond); !known || !w.Equal(at(10500*time.Millisecond)) {
		t.Errorf("wallAt(2.5s) = %v, %v; want t0+10.5s", w.Sub(t0), known)
	}
	if got, want := c.elapsed(at(11*time.Second)), 3*time.Second; got != want {
		t.Errorf("elapsed = %s, want %s", got, want)
	}
	_, _, _, change := c.wallAt(time.Hour)
	c.end(at(12 * time.Second))
	select {
	case <-change:
	default:
		t.Error("end did not signal the waiters")
	}
	if _, known, never, _ := c.wallAt(time.Hour); known || !never {
		t.Errorf("after end: known = %v, never = %v; want false, true", known, never)
	}
	if w, known, _, _ := c.wallAt(3500 * time.Millisecond); !known || !w.Equal(at(11500*time.Millisecond)) {
		t.Errorf("wallAt(3.5s) after end = %v, %v; want t0+11.5s", w.Sub(t0), known)
	}
}

func TestPublisher_Latency(t *testing.T) {
	t.Parallel()
	p := &Publisher{base: time.Now(), n: 3000, table: newSeqTable(3000)}
	p.prefixS = "ssebench-0a1b2c-"
	p.prefix = []byte(p.prefixS)
	sent := 5 * time.Millisecond
	for _, k := range []int{0, 1, 2999} {
		p.table.entry(k).sentNS.Store(int64(sent) + 1)
	}
	recv := p.base.Add(sent + 20*time.Millisecond)
	tests := []struct {
		name, data string
		ok         bool
		seq        int // 0: none
	}{
		{"bare marker", "ssebench-0a1b2c-1", true, 1},
		{"in an envelope", `{"channel":"c","message":"{\"ssebench\":\"ssebench-0a1b2c-2\",\"seq\":2}"}`, true, 2},
		{"last of the table", "x ssebench-0a1b2c-3000 y", true, 3000},
		{"not sent", "ssebench-0a1b2c-3", false, 0},
		{"beyond the schedule", "ssebench-0a1b2c-3001", false, 0},
		{"seq 0", "ssebench-0a1b2c-0", false, 0},
		{"no seq", "ssebench-0a1b2c-", false, 0},
		{"huge seq", "ssebench-0a1b2c-99999999999999999999999", false, 0},
		{"another run", "ssebench-ffffff-1", false, 0},
		{"no marker", `{"pub_ns":1}`, false, 0},
	}
	for _, tt := range tests {
		d, ok := p.Latency([]byte(tt.data), recv)
		if ok != tt.ok || (ok && d != 20*time.Millisecond) {
			t.Errorf("%s: Latency = %v, %v; want 20ms, %v", tt.name, d, ok, tt.ok)
		}
	}
	for seq, want := range map[int]uint32{1: 1, 2: 1, 3000: 1} {
		if got := p.table.get(seq - 1).delivered.Load(); got != want {
			t.Errorf("delivered[%d] = %d, want %d", seq, got, want)
		}
	}
}

func TestPublisher_Latency_noAllocs(t *testing.T) {
	p := &Publisher{base: time.Now(), n: 10, table: newSeqTable(10)}
	p.prefixS = "ssebench-0a1b2c-"
	p.prefix = []byte(p.prefixS)
	p.table.entry(1).sentNS.Store(1)
	data := []byte(`{"message":"{\"ssebench\":\"ssebench-0a1b2c-2\"}","pad":"` + strings.Repeat("x", 200) + `"}`)
	recv := time.Now()
	if n := testing.AllocsPerRun(100, func() { p.Latency(data, recv) }); n != 0 {
		t.Errorf("Latency allocates %.0f times per event, want 0", n)
	}
}
