package urltmpl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParseExpand(t *testing.T) {
	for _, tc := range []struct {
		raw      string
		distinct int
		want     map[int]string // index → URL
	}{
		{"http://h:1/events", 1, map[int]string{0: "http://h:1/events", 7: "http://h:1/events"}},
		{"http://h:1/events?topic=t{sub%3}", 3, map[int]string{0: "http://h:1/events?topic=t0", 4: "http://h:1/events?topic=t1", 5: "http://h:1/events?topic=t2"}},
		{"http://h:1/s/{sub}", 0, map[int]string{0: "http://h:1/s/0", 123456: "http://h:1/s/123456"}},
		{"http://h:1/{sub%4}/{sub%6}", 12, map[int]string{13: "http://h:1/1/1", 11: "http://h:1/3/5"}},
		{"http://h:1/{sub%100}", 100, map[int]string{1000: "http://h:1/0", 101: "http://h:1/1"}},
		{"http://h:1/{sub%4}?u={sub}", 0, map[int]string{9: "http://h:1/1?u=9"}},
		{"http://h:1/x#{sub%2}", 2, map[int]string{3: "http://h:1/x#1"}},
		{"http://h:1?t={sub%2}", 2, map[int]string{3: "http://h:1?t=1"}},
		{"http://h:1/{sub%999983}{sub%999979}", 0, map[int]string{1: "http://h:1/11"}},
		{"http://h:1/t{sub%1}", 1, map[int]string{0: "http://h:1/t0", 5: "http://h:1/t0"}},
	} {
		tm, err := Parse(tc.raw)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.raw, err)
		}
		if tm.Distinct() != tc.distinct || tm.Static() != !strings.Contains(tc.raw, "{") || tm.String() != tc.raw {
			t.Errorf("Parse(%q): Distinct %d Static %v String %q; want Distinct %d", tc.raw, tm.Distinct(), tm.Static(), tm.String(), tc.distinct)
		}
		for i, want := range tc.want {
			if got := tm.Expand(i); got != want {
				t.Errorf("Parse(%q).Expand(%d) = %q, want %q", tc.raw, i, got, want)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"http://h/{user}", "unknown placeholder {user}"},
		{"http://h/{}", "unknown placeholder {}"},
		{"http://h/{SUB}", "unknown placeholder {SUB}"},
		{"http://h/{sub%0}", "must be a positive integer"},
		{"http://h/{sub%-3}", "must be a positive integer"},
		{"http://h/{sub%x}", "must be a positive integer"},
		{"http://h/{sub%}", "must be a positive integer"},
		{"http://h/{sub", `unbalanced "{"`},
		{"http://h/{sub{sub}}", `unbalanced "{"`},
		{"http://h/sub}", `unbalanced "}"`},
		{"http://h/{sub}}", `unbalanced "}"`},
		{"http://h{sub%3}:8080/events", "not in the scheme, host or port"},
		{"http://h:80{sub%3}/events", "not in the scheme, host or port"},
		{"http://u{sub}@h/events", "not in the scheme, host or port"},
		{"http{sub%2}://h/events", "not in the scheme, host or port"},
		{"{sub}", "not in the scheme, host or port"},
		{"http://h/a%zz{sub%2}", "the URL of subscriber 0 is not valid"},
	} {
		_, err := Parse(tc.raw)
		if err == nil || !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.raw) {
			t.Errorf("Parse(%q) = %v, want an ErrTemplate naming the URL and saying %q", tc.raw, err, tc.want)
		}
	}
}

func BenchmarkExpand(b *testing.B) {
	tm, err := Parse("http://127.0.0.1:8080/events?topic=t{sub%100}")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := range b.N {
		_ = tm.Expand(i)
	}
}

// FuzzParse: Parse never panics; a template with placeholders it accepts
// gives a URL that parses for subscriber 0, and expands any index; a URL without braces is
// its own expansion.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"http://h:1/events?topic=t{sub%100}", "http://h/{sub}", "http://h/{sub%0}", "http://h{sub}/", "{", "}", "http://h/%{sub%20}0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tm, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrTemplate) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrTemplate", raw, err)
			}
			return
		}
		if _, err := url.Parse(tm.Expand(0)); err != nil && !tm.Static() {
			t.Fatalf("Parse(%q) accepted a template whose URL for 0 does not parse: %v", raw, err)
		}
		for _, i := range []int{1, 99, 1 << 40} {
			_ = tm.Expand(i)
		}
		if !strings.ContainsAny(raw, "{}") && (!tm.Static() || tm.Expand(7) != raw) {
			t.Fatalf("Parse(%q): a URL without braces must be static and its own expansion", raw)
		}
	})
}
