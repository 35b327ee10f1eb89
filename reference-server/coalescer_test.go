package refserver

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

func TestDelayLine_holdsEveryEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 50 * time.Millisecond
		_, c, sub := startHub(t, Config{Rate: 100, PayloadBytes: 64, Delay: delay})
		time.Sleep(time.Second)
		synctest.Wait()
		got := sub.frames()
		// Events stamped up to 950 ms are due by 1 s.
		if len(got) != 95 {
			t.Fatalf("delivered %d events, want 95", len(got))
		}
		for _, f := range got {
			if lat := f.at.Sub(time.Unix(0, f.pubNs)); lat != delay {
				t.Fatalf("event %d delivered %v after its stamp, want exactly %v", f.seq, lat, delay)
			}
		}
		if got, want := c.published.Load(), uint64(100); got != want {
			t.Errorf("EventsPublished = %d, want %d (5 still held)", got, want)
		}
	})
}

func TestCoalescer_windows(t *testing.T) {
	tests := []struct {
		name      string
		interval  time.Duration
		maxEvents int
		want      string // ids per delivery in the first 315 ms
	}{
		// Events every 10 ms from 10 ms. A window opens with its first
		// event and closes 95 ms later: 10..100 ms, 110..200, 210..300.
		{"interval", 95 * time.Millisecond, 0, "[[1 2 3 4 5 6 7 8 9 10] [11 12 13 14 15 16 17 18 19 20] [21 22 23 24 25 26 27 28 29 30]]"},
		// A window that fills closes at once.
		{"max events", 95 * time.Millisecond, 4, "[[1 2 3 4] [5 6 7 8] [9 10 11 12] [13 14 15 16] [17 18 19 20] [21 22 23 24] [25 26 27 28]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, _, sub := startHub(t, Config{Rate: 100, FlushInterval: tt.interval, FlushMaxEvents: tt.maxEvents})
				time.Sleep(315 * time.Millisecond)
				synctest.Wait()
				if got := fmt.Sprint(sub.calls); got != tt.want {
					t.Errorf("deliveries = %s, want %s", got, tt.want)
				}
				// Each event waited at most the interval.
				for _, f := range sub.frames() {
					if lat := f.at.Sub(time.Unix(0, f.pubNs)); lat > tt.interval {
						t.Errorf("event %d held %v, want <= %v", f.seq, lat, tt.interval)
					}
				}
			})
		})
	}
}
