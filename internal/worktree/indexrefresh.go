package worktree

import (
	"context"
	"os"
	"path/filepath"
	"time"
)

// refreshAfterCheckout is how long a full checkout must have taken for
// Create to refresh the worktree's index while the agent works. git
// compares file times with the index's in whole seconds, so every file a
// checkout wrote in the second it wrote the index is "racily clean": each
// git command that reads the index hashes those files again, until an
// index is written a second later. A checkout this long wrote enough of
// them (on Go's source tree, 0.25 to 0.5 s of hashing for the attempt's
// first status) for the refresh to pay.
const refreshAfterCheckout = 100 * time.Millisecond

// indexCopyName is the refreshed copy of the worktree's index, in the
// worktree's own git directory.
const indexCopyName = "looper-index"

// indexRefresh is a refresh of a fresh checkout's index into a copy of
// it, run while the agent works: git's own index is never locked by
// looper while an agent may run git in the worktree. The copy replaces
// the index when the attempt ends, if nothing wrote the index meanwhile.
type indexRefresh struct {
	stop  context.CancelFunc
	done  chan struct{} // closed when the refresh ended
	index string        // the worktree's index
	copy  string        // the refreshed copy
	was   os.FileInfo   // the index as the checkout left it
	ok    bool          // the copy was refreshed (set before done closes)
}

// refreshLater starts refreshing wt's index into a copy once the second
// in which the checkout wrote it has passed. It does nothing when the
// worktree's git directory or index cannot be read.
func (r *Repo) refreshLater(wt *Worktree) {
	admin := adminDir(wt.Path)
	if admin == "" {
		return
	}
	index := filepath.Join(admin, "index")
	was, err := os.Stat(index)
	if err != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	ir := &indexRefresh{stop: stop, done: make(chan struct{}), index: index, copy: filepath.Join(admin, indexCopyName), was: was}
	wt.refresh = ir
	go func() {
		defer close(ir.done)
		// The next second by the index's own time, with a margin for
		// file times that lag the clock by a tick.
		next := was.ModTime().Truncate(time.Second).Add(time.Second + 50*time.Millisecond)
		wait := time.NewTimer(time.Until(next))
		defer wait.Stop()
		select {
		case <-wait.C:
		case <-ctx.Done():
			return
		}
		ir.ok = ir.run(ctx, r, wt.Path) == nil
	}()
}

// run copies the index, keeping its time (so that git still sees which
// entries are racily clean and hashes them), and refreshes the copy.
func (ir *indexRefresh) run(ctx context.Context, r *Repo, dir string) error {
	data, err := os.ReadFile(ir.index)
	if err != nil {
		return err
	}
	if err := os.WriteFile(ir.copy, data, ir.was.Mode().Perm()); err != nil {
		return err
	}
	if err := os.Chtimes(ir.copy, ir.was.ModTime(), ir.was.ModTime()); err != nil {
		return err
	}
	// -q: files the agent changed already stay as they are, unrefreshed.
	_, err = r.bulk(ctx, dir, []string{"GIT_INDEX_FILE=" + ir.copy}, "update-index", "-q", "--refresh")
	return err
}

// settle ends the refresh of wt's index, if one was started: a refresh
// that has not finished is stopped, and a finished one replaces the index,
// under git's index lock, when the index is still the one the checkout
// wrote (an agent that ran git add or a writing git status changed it,
// and its index is the one that counts). Either way the copy is deleted.
func (wt *Worktree) settle() {
	ir := wt.refresh
	if ir == nil {
		return
	}
	wt.refresh = nil
	ir.stop()
	<-ir.done
	defer os.Remove(ir.copy)
	if !ir.ok {
		return
	}
	lock := ir.index + ".lock"
	f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return // a git command holds the index
	}
	f.Close()
	defer os.Remove(lock)
	if now, err := os.Stat(ir.index); err != nil || !sameFileState(now, ir.was) {
		return
	}
	_ = os.Rename(ir.copy, ir.index)
}

// sameFileState reports whether a and b are the same file, unchanged: git
// writes an index as a new file renamed over the old one, so any write
// changes the inode, and the time and size are checked besides.
func sameFileState(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}
