package sse_test

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/loadgen/sse"
)

func ExampleReader() {
	stream := "retry: 2000\r\n" +
		": heartbeat\r\n" +
		"id: 1\r\n" +
		"data: hello\r\n" +
		"\r\n" +
		"event: update\r\n" +
		"data: line one\r\n" +
		"data: line two\r\n" +
		"\r\n"
	r := sse.NewReader(strings.NewReader(stream), sse.Options{})
	var ev sse.Event
	for r.Next(&ev) {
		// ev's slices are reused by the next call; copy what you keep.
		fmt.Printf("type=%s id=%s data=%q\n", ev.Type, ev.ID, ev.Data)
	}
	if err := r.Err(); err != nil {
		fmt.Println("error:", err)
	}
	retry, _ := r.Retry()
	fmt.Printf("comments=%d retry=%v last id=%s\n", r.Comments(), retry, r.LastEventID())
	// Output:
	// type=message id=1 data="hello"
	// type=update id=1 data="line one\nline two"
	// comments=1 retry=2s last id=1
}
