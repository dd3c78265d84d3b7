package sinks

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// RunLog is the JSONL log of one looper run: every event, one JSON object
// per line, in <log_dir>/<slug>-<hash8>/<run-id>.jsonl, the layout upstream
// looper used, so its logs and ours sit side by side. The file is 0600 and
// its directory 0700, because agent output can contain secrets. Lines are
// written whole (a batch of complete lines per write), so a reader never
// sees half a line followed by another. Only a process killed outright
// (SIGKILL, a crash) in the middle of a write can leave the last line cut
// short: the kernel stops a write to a file between pages; Tail skips such
// a line. While open, the log holds a shared lock on its file, which tells
// `looper clean` the run is still going.
type RunLog struct {
	dir, id, path string

	mu     sync.Mutex
	f      *os.File
	batch  []byte
	lines  lineGroups // agent lines not yet in batch
	enc    *eventEncoder
	err    error
	closed bool
}

// flushBytes is how much the run log batches before it writes, when events
// arrive faster than it can write them one by one.
const flushBytes = 64 << 10

// ProjectLogDir returns the directory that holds a project's run logs:
// <logDir>/<slug>-<hash8>, where slug is the project root's base name with
// characters outside [A-Za-z0-9._-] replaced by "_" and hash8 the first 8
// hex digits of the SHA-1 of the root's absolute path.
func ProjectLogDir(logDir, projectRoot string) string {
	root := projectRoot
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	sum := sha1.Sum([]byte(root))
	return filepath.Join(logDir, SanitizeLabel(filepath.Base(root))+"-"+hex.EncodeToString(sum[:4]))
}

// SanitizeLabel makes s safe as part of a file name: characters outside
// [A-Za-z0-9._-] become "_", and "", "." and ".." become "_", so a task id
// or label can never name another directory.
func SanitizeLabel(s string) string {
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// RunID returns the id of a run started at now by this process:
// YYYYMMDD-HHMMSS-<pid> in UTC, as upstream looper named its runs.
func RunID(now time.Time) string {
	return now.UTC().Format("20060102-150405") + "-" + strconv.Itoa(os.Getpid())
}

// OpenRunLog creates the run log for a run of the project at projectRoot
// started at now. If a log with the same run id exists (two runs in the
// same second of one process), it adds "_2", "_3", … to the id rather than
// truncate it.
func OpenRunLog(logDir, projectRoot string, now time.Time) (*RunLog, error) {
	if logDir == "" {
		return nil, errors.New("cannot open the run log: the log directory is empty (set log_dir in looper.toml or LOOPER_LOG_DIR)")
	}
	dir := ProjectLogDir(logDir, projectRoot)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the log directory: %w (set log_dir in looper.toml or LOOPER_LOG_DIR to a writable directory)", err)
	}
	base := RunID(now)
	for n := 1; ; n++ {
		id := base
		if n > 1 {
			id = base + "_" + strconv.Itoa(n)
		}
		path := filepath.Join(dir, id+".jsonl")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot create the run log: %w (set log_dir in looper.toml or LOOPER_LOG_DIR to a writable directory)", err)
		}
		lockShared(f)
		return &RunLog{dir: dir, id: id, path: path, f: f, enc: newEventEncoder()}, nil
	}
}

// ID returns the run id, the log's base name.
func (l *RunLog) ID() string { return l.id }

// Dir returns the project log directory the log is in.
func (l *RunLog) Dir() string { return l.dir }

// Path returns the log file's path.
func (l *RunLog) Path() string { return l.path }

// LastMessagePath returns where an attempt's last message goes:
// <dir>/<run-id>-<label>.last.json, with label sanitized, so that `looper
// clean` removes it with its run.
func (l *RunLog) LastMessagePath(label string) string {
	return filepath.Join(l.dir, l.id+"-"+SanitizeLabel(label)+".last.json")
}

// Sink returns a sink that appends every event it reads to the log. It
// writes after each batch of events it finds waiting (at least every
// 64 KiB), so a reader following the log sees events within one batch.
func (l *RunLog) Sink() Sink { return runLogSink{l} }

type runLogSink struct{ l *RunLog }

func (s runLogSink) Run(_ context.Context, events <-chan Event) error {
	for e := range events {
		s.l.append(e)
		if len(events) == 0 || len(s.l.batch)+s.l.lines.bytes >= flushBytes {
			s.l.flush()
		}
	}
	s.l.flush()
	return s.l.Err()
}

// append adds e to the batch as one JSON line (see eventEncoder.encode).
// An event derived from an agent's line is left out: the line's own
// record holds it, and Tail derives it again (TailOptions.Expand).
func (l *RunLog) append(e Event) {
	if e.Derived {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if groupable(&e) {
		if l.lines.add(&e) {
			return
		}
		l.writeGroups(l.lines.take(&e))
		l.lines.add(&e)
		return
	}
	l.writeGroups(l.lines.take(&e))
	l.batch = append(l.batch, l.enc.encode(e)...)
}

// writeGroups adds groups of agent lines to the batch, each as one record
// (one record per line if the envelope cannot be encoded).
func (l *RunLog) writeGroups(groups []*lineGroup) {
	for _, grp := range groups {
		if b, ok := appendGroup(l.batch, grp); ok {
			l.batch = b
			l.lines.recycle(grp)
			continue
		}
		e := grp.head
		e.Kind, e.Message = KindError, "agent output lines could not be logged: their time is out of range"
		l.batch = append(l.batch, l.enc.encode(e)...)
	}
}

// flush writes the batch, complete lines only, in one write.
func (l *RunLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}

func (l *RunLog) flushLocked() {
	l.writeGroups(l.lines.all())
	if len(l.batch) == 0 || l.f == nil {
		return
	}
	if l.err == nil {
		if _, err := l.f.Write(l.batch); err != nil {
			l.err = fmt.Errorf("cannot write the run log %s: %w", l.path, err)
		}
	}
	l.batch = l.batch[:0]
}

// Err returns the first error writing the log.
func (l *RunLog) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close writes what is batched, syncs the file to disk and closes it.
// Events a sink reads after Close are dropped. Closing twice is a no-op.
func (l *RunLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.flushLocked()
	err := l.err
	if serr := l.f.Sync(); serr != nil && err == nil {
		err = fmt.Errorf("cannot sync the run log %s: %w", l.path, serr)
	}
	if cerr := l.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("cannot close the run log %s: %w", l.path, cerr)
	}
	l.f = nil
	return err
}
