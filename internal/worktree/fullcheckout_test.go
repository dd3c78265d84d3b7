package worktree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fillCheckoutSlots takes every full-checkout slot of r and returns the
// function that frees one.
func fillCheckoutSlots(r *Repo) (free func()) {
	slots := r.checkoutSlots()
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
	free := fillCheckoutSlots(r)
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
	defer fillCheckoutSlots(r)()
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
