package todo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/looper-go/looper/internal/atomicfile"
)

// Marshal renders the backlog the way upstream writes it, so files looper
// saves diff cleanly against upstream's: upstream's key order, 2-space
// indent, a trailing newline, empty optional fields left out, and
// source_files written as null when nil. Unlike upstream it does not escape
// <, > and & as \u003c..., which only made agent-written text unreadable,
// and it writes a nil task list as [] so the file stays valid.
func (b *Backlog) Marshal() ([]byte, error) {
	return appendBacklog(make([]byte, 0, encodedSizeHint(b)), b), nil
}

// MarshalUpstream renders b as upstream looper writes it: Marshal's layout
// with <, > and & escaped as \u003c, \u003e and \u0026 (Go's default HTML
// escaping). `looper fmt` accepts a file in this form as formatted too, so
// a backlog the upstream tool wrote passes `fmt --check` unchanged.
func (b *Backlog) MarshalUpstream() ([]byte, error) {
	out := *b
	if out.Tasks == nil {
		out.Tasks = []Task{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodedSizeHint estimates the size of b's encoding, so the buffer is
// allocated once: the text of every field plus the keys and indentation.
func encodedSizeHint(b *Backlog) int {
	n := 128
	for _, s := range b.SourceFiles {
		n += len(s) + 8
	}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		n += 160 + len(t.ID) + len(t.Title) + len(t.Description) + len(t.Reference) + len(t.Details) + len(t.CreatedAt) + len(t.UpdatedAt)
		for _, list := range [][]string{t.Steps, t.Blockers, t.Tags, t.Files, t.DependsOn} {
			for _, s := range list {
				n += len(s) + 16
			}
		}
	}
	return n + n/8 // room for escapes
}

// Save writes b to path atomically (see atomicfile.Write): a crash or a full
// disk leaves either the old file or the new one, never a truncated mix,
// which is how upstream once committed an empty backlog. Save does not take
// the lock; writers hold AcquireLock around their read-modify-write.
func Save(path string, b *Backlog) error {
	data, err := b.Marshal()
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return atomicfile.Write(path, data, 0o644)
}

// RemoveTemporaries deletes the temporary files that saves of path left
// behind when their writer died between creating the file and renaming it
// (a crash, SIGKILL, a power cut), and returns their names. It must be
// called only by the holder of path's lock (AcquireLock): a save in
// progress in another process would lose its file.
func RemoveTemporaries(path string) ([]string, error) {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(atomicfile.TempPattern(base), "*")
	var removed []string
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}
