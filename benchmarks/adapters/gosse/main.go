// Command gosse is a minimal adapter that serves Server-Sent Events with the
// github.com/tmaxmax/go-sse library, for `ssebench bench`.
//
// It publishes --rate events per second to every subscriber of GET /events,
// each event's data a JSON object {"ts_ns":<publish time, Unix ns>,"pad":"…"}
// of --payload bytes, so ssebench measures fan-out latency with
// `latency: json:ts_ns:ns`. go-sse sends the response headers only with the
// first event, as many libraries do: a subscriber waits up to one event
// interval for them.
//
//	cd benchmarks/adapters/gosse && go build -o gosse-adapter .
//	./gosse-adapter --addr 127.0.0.1:8090 --rate 10 --payload 64
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	sse "github.com/tmaxmax/go-sse"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen `address`")
	rate := flag.Float64("rate", 10, "`events` per second published to every subscriber")
	payload := flag.Int("payload", 64, "event data size in `bytes` (at least the stamp's length)")
	flag.Parse()
	if *rate <= 0 {
		log.Fatalf("--rate must be > 0, got %g", *rate)
	}

	srv := &sse.Server{} // the default provider, Joe: an in-memory broker
	mux := http.NewServeMux()
	mux.Handle("GET /events", srv)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	hs := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go publish(ctx, srv, *rate, *payload)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = hs.Shutdown(sctx)
	}()
	log.Printf("go-sse adapter on http://%s/events, %g events/s of %d bytes", *addr, *rate, *payload)
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// publish sends one event per 1/rate seconds on a fixed schedule; each
// carries its scheduled time, so a late publisher shows up as latency.
func publish(ctx context.Context, srv *sse.Server, rate float64, payload int) {
	every := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for seq := 1; ; seq++ {
		next = next.Add(every)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		m := &sse.Message{ID: sse.ID(strconv.Itoa(seq))}
		m.AppendData(stamp(next, payload))
		_ = srv.Publish(m)
	}
}

// stamp returns the event data: the publish time padded to payload bytes.
func stamp(t time.Time, payload int) string {
	s := `{"ts_ns":` + strconv.FormatInt(t.UnixNano(), 10) + `,"pad":"`
	pad := max(payload-len(s)-2, 0)
	return s + strings.Repeat("x", pad) + `"}`
}
