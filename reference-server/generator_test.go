package refserver

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

func TestGenerator_constant(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		run  time.Duration
		want int
	}{
		{"200 per second", 200, 10 * time.Second, 2000},
		{"half per second", 0.5, 10 * time.Second, 5},
		{"a third per second", 1.0 / 3, 9500 * time.Millisecond, 3},
		{"10000 per second", 10000, time.Second, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				_, c, sub := startHub(t, Config{Rate: tt.rate, PayloadBytes: 64})
				time.Sleep(tt.run)
				synctest.Wait()
				got := sub.frames()
				if len(got) != tt.want {
					t.Fatalf("delivered %d events in %v at %g/s, want %d", len(got), tt.run, tt.rate, tt.want)
				}
				for i, f := range got {
					k := uint64(i + 1)
					if f.seq != k {
						t.Fatalf("event %d has id %d, want %d", i, f.seq, k)
					}
					// Fake time fires every timer exactly when due, so
					// each stamp is exactly on the schedule.
					if want := start.Add(constantAt(tt.rate, k)).UnixNano(); f.pubNs != want {
						t.Fatalf("event %d pub_ns = %d, want %d (start + %v)", k, f.pubNs, want, constantAt(tt.rate, k))
					}
				}
				if got, want := c.published.Load(), uint64(tt.want); got != want {
					t.Errorf("EventsPublished = %d, want %d", got, want)
				}
			})
		})
	}
}

func TestGenerator_burst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		g := GeneratorConfig{Pattern: PatternBurst, BurstEvents: 5, BurstInterval: 100 * time.Millisecond}
		_, _, sub := startHub(t, Config{Generators: []GeneratorConfig{g}})
		time.Sleep(350 * time.Millisecond)
		synctest.Wait()
		got := sub.frames()
		if len(got) != 15 {
			t.Fatalf("delivered %d events in 350ms of 5 every 100ms, want 15", len(got))
		}
		for i, f := range got {
			burst := i/5 + 1
			if want := start.Add(time.Duration(burst) * 100 * time.Millisecond).UnixNano(); f.pubNs != want {
				t.Errorf("event %d pub_ns = start+%v, want start+%v", f.seq, time.Duration(f.pubNs-start.UnixNano()), time.Duration(burst)*100*time.Millisecond)
			}
			if f.seq != uint64(i+1) {
				t.Errorf("event %d has id %d", i, f.seq)
			}
		}
		// Each burst is released as one batch.
		if got, want := fmt.Sprint(sub.calls), "[[1 2 3 4 5] [6 7 8 9 10] [11 12 13 14 15]]"; got != want {
			t.Errorf("deliveries = %s, want %s", got, want)
		}
	})
}

func TestGenerator_poisson(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rate, run = 100.0, 100 * time.Second
		start := time.Now()
		g := GeneratorConfig{Pattern: PatternPoisson, Rate: rate, Seed: 42}
		_, _, sub := startHub(t, Config{Generators: []GeneratorConfig{g}})
		time.Sleep(run)
		synctest.Wait()
		got := sub.frames()
		// 10,000 expected; a Poisson count's standard deviation is 100.
		if n := len(got); n < 9600 || n > 10400 {
			t.Fatalf("delivered %d events in %v at %g/s, want 10000 ± 400", n, run, rate)
		}
		// Gaps are exponential: their coefficient of variation is 1 (a
		// constant schedule's is 0), and each stamp is the due time, so
		// it is exactly when the event was delivered under fake time.
		var sum, sumSq float64
		prev := start.UnixNano()
		for i, f := range got {
			if f.seq != uint64(i+1) {
				t.Fatalf("event %d has id %d", i, f.seq)
			}
			if f.pubNs != f.at.UnixNano() {
				t.Fatalf("event %d stamped %v, delivered at %v", f.seq, time.Unix(0, f.pubNs), f.at)
			}
			gap := float64(f.pubNs - prev)
			sum, sumSq, prev = sum+gap, sumSq+gap*gap, f.pubNs
		}
		n := float64(len(got))
		mean := sum / n
		cv := (sumSq/n - mean*mean) / (mean * mean) // squared CV
		if cv < 0.8 || cv > 1.2 {
			t.Errorf("squared coefficient of variation of the gaps = %.2f, want about 1", cv)
		}
	})
}

// TestGenerator_lateEventsKeepTheirSchedule checks that a generator held up
// stamps the events it owes with their due times, so the delay shows as
// latency (no coordinated omission). The subscriber stalls its worker, the
// worker's channel fills, and the generator blocks releasing an event; when
// it wakes again it makes hundreds of overdue events at once.
func TestGenerator_lateEventsKeepTheirSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, _, sub := startHub(t, Config{Rate: 1000, PayloadBytes: 64})
		sub.mu.Lock()
		sub.stall = 500 * time.Millisecond
		sub.mu.Unlock()
		time.Sleep(time.Second)
		synctest.Wait()
		got := sub.frames()
		if len(got) != 1000 {
			t.Fatalf("delivered %d events in 1s at 1000/s, want 1000", len(got))
		}
		late := 0
		for i, f := range got {
			due := start.Add(constantAt(1000, uint64(i+1)))
			if f.seq != uint64(i+1) || f.pubNs != due.UnixNano() {
				t.Fatalf("event %d (id %d) stamped start+%v, want its due time start+%v",
					i+1, f.seq, time.Duration(f.pubNs-start.UnixNano()), due.Sub(start))
			}
			if f.at.Sub(due) >= 100*time.Millisecond {
				late++
			}
		}
		if late < 300 {
			t.Errorf("%d events delivered >= 100ms late, want hundreds: the stall did not happen", late)
		}
	})
}
