package stages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/looper-go/looper/internal/atomicfile"
	"github.com/looper-go/looper/source"
	"github.com/looper-go/looper/todo"
)

// Store is the backlog's single writer for one looper run. It holds the
// advisory lock on the backlog for the whole run, so a second looper on the
// same backlog is refused, and it serializes every write: each Update
// applies the change to the backlog as it is now (keeping whatever an agent
// wrote to the file) and saves atomically, and only when something changed.
//
// The parsed backlog stays in memory with the size, modification time and
// identity of the file it came from or went to. A read only stats the file;
// it is parsed (and validated) again only when those differ and its bytes
// are not what the Store last wrote: an external edit. A save is one
// Marshal and one atomic write.
//
// The file is looper's own to-do.json unless StoreOptions names another
// tracker's Format (Task Master, Beads), whose Patch writes each change as
// a minimal diff into the file as it is, or a Remote (GitHub issues),
// fetched once and told of each change instead of a file being written.
//
// If the file on disk no longer parses (an agent broke or deleted it), the
// Store keeps a copy of the broken file next to it, warns, and continues
// from the last good version, so no decision is ever lost to bad input.
type Store struct {
	path     string
	lock     *todo.Lock
	readOnly bool
	now      func() time.Time
	warn     func(string)
	format   source.Format
	remote   source.Remote

	mu sync.Mutex
	// cur is the last valid backlog read or written; readers get clones.
	cur *todo.Backlog
	// canon is cur.Marshal(): what a save of cur writes, and how a file
	// rewritten with the same content is recognised.
	canon []byte
	// raw is the file's bytes as cur was read from or written to them, which
	// a Format patches.
	raw []byte
	// disk is the file as it was when cur was read or written.
	disk  os.FileInfo
	prior map[string]todo.Status // tasks this run marked doing → status before
	// marks are dispatches not saved yet (see MarkDoing); flushTimer saves
	// them when no other save does first.
	marks      map[string]doingMark
	flushTimer *time.Timer
	saves      int
	reads      int
}

// StoreOptions configures OpenStore.
type StoreOptions struct {
	// ReadOnly makes every write a no-op (looper pipe without merge).
	ReadOnly bool
	// Now is the clock for updated_at stamps.
	Now func() time.Time
	// Warn receives messages about recovered problems.
	Warn func(string)
	// Format reads and writes the file; nil is looper's own to-do.json.
	Format source.Format
	// Remote, when set, is the backlog instead of the file: path then only
	// names the lock that keeps a second looper off the same tracker.
	Remote source.Remote
}

// OpenStore takes the lock on the backlog at path (creating its directory
// when needed) and removes the temporary files of saves a crash cut short. The backlog itself is read on first use, so Prepare can
// bootstrap or repair it under the lock.
func OpenStore(path string, o StoreOptions) (*Store, error) {
	s := &Store{path: path, readOnly: o.ReadOnly, now: o.Now, warn: o.Warn, format: o.Format, remote: o.Remote, prior: map[string]todo.Status{}}
	if s.format == nil {
		s.format = source.Native{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.warn == nil {
		s.warn = func(string) {}
	}
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		lock, err := todo.AcquireLock(path)
		if err != nil {
			return nil, err
		}
		s.lock = lock
		// Under the lock, no save is in progress: temporary files next to
		// the backlog are what a writer killed mid-save left.
		if removed, err := todo.RemoveTemporaries(path); len(removed) > 0 || err != nil {
			msg := fmt.Sprintf("removed %d temporary file(s) an interrupted save of %s left behind", len(removed), path)
			if err != nil {
				msg += fmt.Sprintf(" (%v)", err)
			}
			s.warn(msg)
		}
	}
	return s, nil
}

// Path is the backlog file.
func (s *Store) Path() string { return s.path }

// Close saves the pending doing marks and releases the lock.
func (s *Store) Close() error {
	s.mu.Lock()
	err := s.flush()
	s.marksSaved() // saved, or not to be saved any more: stop the timer
	s.mu.Unlock()
	if s.lock == nil {
		return err
	}
	err = errors.Join(err, s.lock.Release())
	s.lock = nil
	return err
}

// Saves counts the saves so far (tests check that writes coalesce).
func (s *Store) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// Snapshot returns a copy of the backlog as it is now, which the caller may
// keep and change.
func (s *Store) Snapshot() (*todo.Backlog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view()
}

// Reads counts the times the file was parsed (tests check that an
// unchanged file is not read again).
func (s *Store) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// read returns a fresh copy of the backlog as it is now: the one in memory
// while the file is as the Store left it, else the file parsed again,
// falling back to the last good version when it is broken. Called with mu
// held.
func (s *Store) read() (*todo.Backlog, error) {
	if s.remote != nil {
		return s.fetch()
	}
	fi, statErr := os.Stat(s.path)
	if statErr == nil && s.cur != nil && s.unchanged(fi) {
		return s.cur.Clone(), nil
	}
	b, data, err := s.load()
	if err == nil {
		if s.cur == nil || !bytes.Equal(data, s.canon) {
			canon, merr := s.format.Patch(data, b, s.now())
			if merr != nil {
				return nil, merr
			}
			s.cur, s.canon, s.raw = b, canon, data
			s.disk = fi
			return b.Clone(), nil
		}
		s.raw = data
		s.disk = fi
		return s.cur.Clone(), nil
	}
	if s.cur == nil {
		return nil, err
	}
	backup := ""
	if data, rerr := os.ReadFile(s.path); rerr == nil && !s.readOnly {
		if name, werr := keepCopy(s.path, "broken", s.now(), data); werr == nil {
			backup = name
		}
	}
	msg := fmt.Sprintf("backlog %s became invalid during the run (%v); continuing from the last valid version", s.path, err)
	if backup != "" {
		msg += "; the broken file is kept as " + backup
	}
	s.warn(msg)
	return s.cur.Clone(), nil
}

// unchanged reports whether the file is the one the Store last read or
// wrote: same file, size and modification time.
func (s *Store) unchanged(fi os.FileInfo) bool {
	d := s.disk
	return d != nil && os.SameFile(fi, d) && fi.Size() == d.Size() && fi.ModTime().Equal(d.ModTime())
}

// load reads and parses the backlog file, with todo.Load's size cap.
func (s *Store) load() (*todo.Backlog, []byte, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return nil, nil, err
	}
	if fi.Size() > todo.MaxFileSize {
		_, err := todo.Load(s.path) // the size error, worded once, in todo
		return nil, nil, err
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, nil, err
	}
	s.reads++
	b, err := s.format.Parse(s.path, data)
	return b, data, err
}

// fetch returns a copy of a Remote's backlog, fetched on first use and
// kept up to date by this Store's own updates from then on. Called with
// mu held.
func (s *Store) fetch() (*todo.Backlog, error) {
	if s.cur == nil {
		b, err := s.remote.Fetch(context.Background())
		if err != nil {
			return nil, err
		}
		s.reads++
		canon, err := b.Marshal()
		if err != nil {
			return nil, err
		}
		s.cur, s.canon = b, canon
	}
	return s.cur.Clone(), nil
}

// Update applies fn to a fresh copy of the backlog and saves the result
// atomically when it changed. Concurrent Updates are serialized, so several
// decisions passed to one Update cost one save (group commit).
func (s *Store) Update(fn func(b *todo.Backlog) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(fn)
}

func (s *Store) update(fn func(b *todo.Backlog) error) error {
	b, err := s.view()
	if err != nil {
		return err
	}
	if err := fn(b); err != nil {
		return err
	}
	if s.remote != nil {
		return s.push(b)
	}
	after, err := s.format.Patch(s.raw, b, s.now())
	if err != nil {
		return err
	}
	if s.readOnly || bytes.Equal(s.canon, after) {
		s.marksSaved() // nothing to save: the marks were undone, or overtaken by edits
		return nil
	}
	if err := atomicfile.Write(s.path, after, 0o644); err != nil {
		return err
	}
	s.marksSaved()
	s.saves++
	s.cur, s.canon, s.raw = b, after, after
	s.disk = nil
	if fi, err := os.Stat(s.path); err == nil {
		s.disk = fi
	}
	return nil
}

// push tells a Remote what changed. The run goes on when the tracker
// cannot be told (no network, a token that may not write): the change is
// kept in memory and the failure is a warning, since the work itself is
// done and recorded in git.
func (s *Store) push(b *todo.Backlog) error {
	after, err := b.Marshal()
	if err != nil {
		return err
	}
	s.marksSaved()
	if s.readOnly || bytes.Equal(s.canon, after) {
		return nil
	}
	if err := s.remote.Push(context.Background(), s.cur, b); err != nil {
		s.warn(fmt.Sprintf("could not write back to %s: %v", s.remote.Name(), err))
	}
	s.saves++
	s.cur, s.canon = b, after
	return nil
}

// Settle records that a task reached its outcome in this run, so
// RestoreInFlight leaves it alone.
func (s *Store) settle(ids ...string) {
	for _, id := range ids {
		delete(s.prior, id)
	}
}

// RestoreInFlight puts every task this run marked doing, and that has not
// reached an outcome, back to its status before the run: what Ctrl-C and
// fail_fast promise. It returns the ids it restored.
func (s *Store) RestoreInFlight() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.prior) == 0 {
		return nil, nil
	}
	ids := slices.Sorted(maps.Keys(s.prior))
	for _, id := range ids {
		delete(s.marks, id) // a mark never saved has nothing to restore
	}
	err := s.update(func(b *todo.Backlog) error {
		var errs []error
		for _, id := range ids {
			t := b.Task(id)
			if t == nil || t.Status != todo.StatusDoing {
				continue // gone, or an agent already moved it on
			}
			errs = append(errs, b.SetStatus(id, s.prior[id], s.now()))
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return nil, err
	}
	s.settle(ids...)
	return ids, nil
}

// Apply records a batch of outcomes in one save: the merge stage's group
// commit. Each apply function edits the backlog for one task; ids are the
// tasks that reached their outcome.
func (s *Store) Apply(ids []string, fn func(b *todo.Backlog) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.update(fn); err != nil {
		return err
	}
	s.settle(ids...)
	return nil
}
