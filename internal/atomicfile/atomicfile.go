// Package atomicfile writes output files so that a reader never sees half of
// one: every file ssebench writes (results, reports, logs, dumps) goes to a
// temporary file in the destination's folder and is renamed into place once
// complete. Missing parent folders are created, and the file is created with
// mode 0644 less the process's umask, like any file a shell redirect makes,
// so results are readable by others (a CI artifact step, a colleague).
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// FileMode is the mode files are created with, before the umask.
const FileMode os.FileMode = 0o644

// DirMode is the mode missing parent folders are created with, before the umask.
const DirMode os.FileMode = 0o755

// A File is an output file being written. Writes go to a temporary file
// beside the destination; Commit renames it into place and Abort removes it.
// A File is not safe for concurrent use.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path: it creates the missing parent folders and a
// temporary file in path's folder. Nothing appears at path until Commit.
func Create(path string) (*File, error) {
	if path == "" {
		return nil, errors.New("no file name")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a folder", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf(".%s.%08x.tmp", base, rand.Uint32()))
		// O_EXCL: a name another writer picked is never shared. The
		// kernel applies the umask to FileMode, as for a shell redirect.
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &File{File: f, path: path}, nil
	}
	return nil, fmt.Errorf("%s: no free temporary name", dir)
}

// Commit closes the temporary file and renames it to the destination,
// replacing any file there. After Commit, Abort does nothing.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: already committed or aborted")
	}
	f.done = true
	if err := f.File.Close(); err != nil {
		os.Remove(f.File.Name())
		return err
	}
	if err := os.Rename(f.File.Name(), f.path); err != nil {
		os.Remove(f.File.Name())
		return err
	}
	return nil
}

// Abort closes and removes the temporary file, leaving the destination as
// it was. It is safe to call after Commit (it then does nothing), so it
// can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// Path returns the destination path.
func (f *File) Path() string { return f.path }

// Write writes path at once: write fills the file, which then replaces
// path. When write fails, path is left as it was.
func Write(path string, write func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// CheckWritable tells, before a long run, whether path could be written
// later: it creates the parent folders and a temporary file beside path,
// then removes the temporary file. Nothing is left at path itself.
func CheckWritable(path string) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	f.Abort()
	return nil
}

// Live opens path for a log that users read while it is written (--dump,
// --hlog's live log): it creates the missing parent folders and truncates or
// creates path itself with FileMode less the umask, so `tail -f` sees each
// line as soon as it is written. It is the one output that is not atomic:
// an interrupted run leaves the lines written so far, which is what a log
// should keep.
func Live(path string) (*os.File, error) {
	if path == "" {
		return nil, errors.New("no file name")
	}
	if err := os.MkdirAll(filepath.Dir(path), DirMode); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, FileMode)
}
