package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite_failureKeepsOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file = %q, want the old contents", b)
	}
	assertOnly(t, dir, "r.json")
}

func TestCheckWritable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "new", "x.xml")); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, filepath.Join(dir, "new"))
	if err := CheckWritable(dir); err == nil {
		t.Error("CheckWritable(a folder) = nil, want an error")
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckWritable(filepath.Join(dir, "file", "x.json")); err == nil {
		t.Error("CheckWritable(under a file) = nil, want an error")
	}
}

// assertOnly checks that dir holds exactly the named entries: no
// temporary file was left behind.
func assertOnly(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		tb.Fatalf("%s holds %q, want %q", dir, got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			tb.Fatalf("%s holds %q, want %q", dir, got, names)
		}
	}
}

func TestLive_visibleWhileWritten(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "dump.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("an older, longer file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Live(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, "{\"id\":\"1\"}\n"); err != nil {
		t.Fatal(err)
	}
	// A reader sees the line before the file is closed, and nothing of
	// the file it replaced.
	if b, _ := os.ReadFile(path); string(b) != "{\"id\":\"1\"}\n" {
		t.Errorf("while open: %q, want the one line written", b)
	}
	if _, err := Live(filepath.Join(dir, "new", "deeper", "h.hlog")); err != nil {
		t.Errorf("Live with missing folders: %v", err)
	}
}
