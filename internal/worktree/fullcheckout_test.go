package worktree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fillBulkSlots takes every full-checkout slot of r and returns the
// function that frees one.
func fillBulkSlots(r *Repo) (free func()) {
	slots := r.bulkSlots()
	for range cap(slots) {
		slots <- struct{}{}
	}
	return func() { <-slots }
}

// waitPreparing polls, with a generous deadline, until the worktree at path
// is registered and marked as being prepared: its Create has got as far as
// the checkout.
func waitPreparing(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if admin := adminDir(path); admin != "" {
			if _, err := os.Stat(filepath.Join(admin, preparingMarker)); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was never registered and marked as being prepared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFullCheckoutWaitsForAFreeSlot(t *testing.T) {
	r := newRepo(t)
	free := fillBulkSlots(r)
	type result struct {
		wt  *Worktree
		err error
	}
	got := make(chan result, 1)
	go func() {
		wt, err := r.Create(context.Background(), "run", "T1", 1, Options{})
		got <- result{wt, err}
	}()
	path := filepath.Join(r.Root(), ".looper", "worktrees", "run", "T1-1")
	waitPreparing(t, path)
	select {
	case res := <-got:
		t.Fatalf("Create returned (%v, %v) while every checkout slot was taken", res.wt, res.err)
	default:
	}
	if exists(filepath.Join(path, "main.go")) {
		t.Error("files were checked out while every checkout slot was taken")
	}
	free()
	res := <-got
	if res.err != nil {
		t.Fatal(res.err)
	}
	if readFile(t, res.wt.Path, "main.go") == "" {
		t.Error("main.go is empty after the checkout")
	}
}

func TestFullCheckoutWaitingForASlotStopsWithCtx(t *testing.T) {
	r := newRepo(t)
	defer fillBulkSlots(r)()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := r.Create(ctx, "run", "T1", 1, Options{})
		errc <- err
	}()
	path := filepath.Join(r.Root(), ".looper", "worktrees", "run", "T1-1")
	waitPreparing(t, path)
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Create = %v, want an error wrapping context.Canceled", err)
	}
	if exists(path) {
		t.Errorf("the half-made worktree %s was left behind", path)
	}
	if out := gitT(t, r.Root(), "branch", "--list", "looper/*"); out != "" {
		t.Errorf("branches left behind: %s", out)
	}
}

func TestCheckRefreshesTheIndexOfItsWorktree(t *testing.T) {
	r := newRepo(t)
	wt := create(t, r, "run", "T1", 1)
	// A file whose times changed but whose content did not: the index's
	// stat data no longer match it, which a status without locks sees
	// again each time and a status that may write the index settles once.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(wt.Path, "main.go"), old, old); err != nil {
		t.Fatal(err)
	}
	if got := gitT(t, wt.Path, "diff-files", "--name-only"); got != "main.go" {
		t.Fatalf("diff-files before Check = %q, want main.go", got)
	}
	in, err := r.Check(context.Background(), wt)
	if err != nil {
		t.Fatal(err)
	}
	if in.Head != wt.Base || len(wt.seen.uncommitted) != 0 {
		t.Errorf("Check saw HEAD %s and changes %v, want the base %s and none", in.Head, wt.seen.uncommitted, wt.Base)
	}
	if got := gitT(t, wt.Path, "diff-files", "--name-only"); got != "" {
		t.Errorf("diff-files after Check = %q, want nothing: the refreshed index was not written", got)
	}
}

// racyWorktree is a worktree whose index was just written by a checkout
// whose files are all racily clean, with a refresh of its index started
// as Create starts it after a long checkout.
func racyWorktree(t *testing.T) (*Repo, *Worktree) {
	t.Helper()
	r := newRepo(t)
	wt := create(t, r, "run", "T1", 1)
	if wt.refresh != nil {
		t.Fatal("a checkout of four files started an index refresh")
	}
	// As a long checkout leaves it: written again now, its time the
	// index's second.
	gitT(t, wt.Path, "read-tree", "--reset", "-u", "HEAD")
	r.refreshLater(wt)
	if wt.refresh == nil {
		t.Fatal("refreshLater started no refresh")
	}
	return r, wt
}

// waitRefreshed waits for wt's refresh to end and says whether it refreshed.
func waitRefreshed(t *testing.T, wt *Worktree) bool {
	t.Helper()
	select {
	case <-wt.refresh.done:
	case <-time.After(time.Minute):
		t.Fatal("the index refresh did not end within a minute")
	}
	return wt.refresh.ok
}

func TestIndexRefreshReplacesAnIndexNobodyWrote(t *testing.T) {
	r, wt := racyWorktree(t)
	index := filepath.Join(adminDir(wt.Path), "index")
	before, err := os.Stat(index)
	if err != nil {
		t.Fatal(err)
	}
	if !waitRefreshed(t, wt) {
		t.Fatal("the refresh failed")
	}
	in, err := r.Check(context.Background(), wt)
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(index)
	if err != nil {
		t.Fatal(err)
	}
	if sameFileState(before, after) {
		t.Error("the index is still the checkout's")
	}
	if !after.ModTime().After(before.ModTime().Truncate(time.Second).Add(time.Second)) {
		t.Errorf("the index was written at %v, not in a later second than the checkout's %v", after.ModTime(), before.ModTime())
	}
	if in.Head != wt.Base || len(wt.seen.uncommitted) != 0 {
		t.Errorf("Check saw HEAD %s and changes %v, want the base and none", in.Head, wt.seen.uncommitted)
	}
	if exists(filepath.Join(adminDir(wt.Path), indexCopyName)) {
		t.Error("the refreshed copy was left behind")
	}
}

// An agent's edit in the same second as the checkout, which keeps the
// file's size, is seen all the same: the copy keeps the index's time, so
// git hashes the racily clean entries rather than trust them.
func TestIndexRefreshMissesNoEditOfTheSameSize(t *testing.T) {
	r, wt := racyWorktree(t)
	writeFile(t, wt.Path, "README.md", "# TEST\n")
	waitRefreshed(t, wt)
	if _, err := r.Check(context.Background(), wt); err != nil {
		t.Fatal(err)
	}
	if len(wt.seen.uncommitted) != 1 || wt.seen.uncommitted[0].Path != "README.md" {
		t.Errorf("Check saw changes %v, want README.md", wt.seen.uncommitted)
	}
	if ok, err := r.CommitAll(wt, "edit"); err != nil || !ok {
		t.Fatalf("CommitAll = %v, %v", ok, err)
	}
	if got := gitT(t, wt.Path, "show", "HEAD:README.md"); got != "# TEST" {
		t.Errorf("committed README.md = %q", got)
	}
}

// An index the agent's git wrote (here a git add) is the one that counts:
// the refreshed copy does not replace it.
func TestIndexRefreshKeepsAnIndexTheAgentWrote(t *testing.T) {
	r, wt := racyWorktree(t)
	writeFile(t, wt.Path, "new.txt", "new\n")
	gitT(t, wt.Path, "add", "new.txt")
	waitRefreshed(t, wt)
	if _, err := r.Check(context.Background(), wt); err != nil {
		t.Fatal(err)
	}
	if got := gitT(t, wt.Path, "diff", "--cached", "--name-only"); got != "new.txt" {
		t.Errorf("staged = %q, want the agent's new.txt", got)
	}
}

// A Remove before the refresh ran stops it and leaves nothing of it.
func TestRemoveStopsAnIndexRefresh(t *testing.T) {
	r, wt := racyWorktree(t)
	r.UsePool(1)
	ir := wt.refresh
	admin := adminDir(wt.Path)
	if err := r.Remove(wt, true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ir.done:
	default:
		t.Fatal("Remove returned with the refresh still running")
	}
	if exists(filepath.Join(admin, indexCopyName)) {
		t.Error("the pooled worktree kept the refreshed copy")
	}
}
