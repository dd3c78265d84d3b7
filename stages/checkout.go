package stages

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/sinks"
)

// checkoutWatch notices changes to the user's checkout (the main worktree)
// that looper did not make: agents are told to work in their own worktree,
// but nothing stops one from editing, creating or committing in the main
// tree. It records the branch, HEAD and status when the run starts and
// compares after each attempt and each merge. Each change is reported once,
// with the paths and the tasks that were running since the last look;
// looper's own merges move HEAD and are accounted for. It reports and never
// refuses: the person may well be committing on their branch during a run.
type checkoutWatch struct {
	repo   *worktree.Repo
	ignore []string
	temp   string    // the pattern of the backlog's temporary files (todo.Save)
	run    *runState // the run it watches for, whose stream its reports go to

	mu       sync.Mutex
	branch   string            // the branch at the start
	head     string            // HEAD as looper expects it
	status   map[string]string // status at the start: path → code
	reported map[string]bool   // changes already reported
	running  map[string]int    // tasks in flight → how many
	window   map[string]bool   // tasks in flight at any time since the last look
}

// watchCheckout starts watching the main worktree, when attempts run in
// worktrees (nil otherwise). The backlog, its lock and .looper/ are
// looper's own and left out.
func watchCheckout(ctx context.Context, d *env, run *runState) (*checkoutWatch, error) {
	if d.Repo == nil {
		return nil, nil
	}
	w := &checkoutWatch{repo: d.Repo, run: run, ignore: []string{".looper"}, temp: "." + filepath.Base(d.TodoPath) + ".tmp-*",
		reported: map[string]bool{}, running: map[string]int{}, window: map[string]bool{}}
	if rel, err := filepath.Rel(d.Repo.Root(), d.TodoPath); err == nil && filepath.IsLocal(rel) {
		w.ignore = append(w.ignore, filepath.ToSlash(rel), filepath.ToSlash(rel)+".lock")
	}
	st, err := d.Repo.State(ctx, w.ignore...)
	if err != nil {
		return nil, fmt.Errorf("record the state of the main tree: %w", err)
	}
	w.branch, w.head, w.status = st.Branch, st.Head, st.Status
	return w, nil
}

// jobLabel names a job in the watch's reports.
func jobLabel(j Job) string {
	if j.Attempt > 1 {
		return fmt.Sprintf("%s (attempt %d)", j.Task.ID, j.Attempt)
	}
	return j.Task.ID
}

// jobStarted tells the watch a job is in flight.
func (w *checkoutWatch) jobStarted(j Job) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running[jobLabel(j)]++
	w.window[jobLabel(j)] = true
}

// jobEnded tells the watch a job has left the pipeline. It stays in
// the window until the next look, which may find what it did.
func (w *checkoutWatch) jobEnded(j Job) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running[jobLabel(j)]--; w.running[jobLabel(j)] <= 0 {
		delete(w.running, jobLabel(j))
	}
}

// check compares the main worktree with what looper expects and
// reports what changed; when says when the look happens.
func (w *checkoutWatch) check(ctx context.Context, d *env, when string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.look(context.WithoutCancel(ctx), d, when)
}

// merge runs one of looper's merges into the main worktree under
// the watch's lock, so that no look sees it half done: a look first, the
// merge, then the commits that arrived meanwhile (absorbed by the merge,
// which retries on a moved tip) are reported and the merge's commit becomes
// the expected HEAD.
//
// The merge is given the look (see worktree.Repo.MergeAfter), so that it
// need not look at the main tree again.
func (w *checkoutWatch) merge(ctx context.Context, d *env, branch string, merge func(seen worktree.CheckoutState) (worktree.MergeResult, error)) (worktree.MergeResult, error) {
	if w == nil {
		return merge(worktree.CheckoutState{})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	bg := context.WithoutCancel(ctx)
	seen := w.look(bg, d, "before merging "+branch)
	res, err := merge(seen)
	if err != nil || res.Conflicted() || res.Commit == "" || res.Commit == w.head {
		return res, err
	}
	if !res.FastForward {
		// The merge commit's first parent is the tip it was made on: what
		// arrived there since the last look was not made by looper.
		onto := res.Commit + "^1"
		if res.Onto != "" {
			onto = res.Onto // a batch's first merge was made on it
		}
		theirs, lerr := w.repo.CommitsSince(bg, onto, w.head)
		if lerr != nil {
			d.info(w.run, "watch", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("could not check the main tree after merging %s: %v", branch, lerr))
		}
		w.reportCommits(d, theirs, "while merging "+branch)
	}
	w.head = res.Commit
	return res, err
}

// look compares once and returns what it saw (the zero state when it
// could not look); the caller holds mu.
func (w *checkoutWatch) look(ctx context.Context, d *env, when string) worktree.CheckoutState {
	st, err := w.repo.State(ctx, w.ignore...)
	if err != nil {
		d.info(w.run, "watch", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("could not check the main tree %s: %v", when, err))
		return worktree.CheckoutState{}
	}
	var changes, paths []string
	if st.Branch != w.branch && !w.reported["branch "+st.Branch] {
		w.reported["branch "+st.Branch] = true
		now := st.Branch
		if now == "" {
			now = "a detached HEAD"
		}
		changes = append(changes, fmt.Sprintf("the main tree is on %s, not on %s", now, w.branch))
	}
	for _, p := range slices.Sorted(maps.Keys(st.Status)) {
		code := st.Status[p]
		key := "path " + p + " " + code
		if w.status[p] == code || w.reported[key] {
			continue
		}
		if temp, _ := path.Match(w.temp, path.Base(p)); temp {
			continue // a save of the backlog in progress
		}
		w.reported[key] = true
		paths = append(paths, p)
		kind := "changed"
		switch {
		case code == "??":
			kind = "new file"
		case strings.Contains(code, "D"):
			kind = "deleted"
		case strings.Contains(code, "M"):
			kind = "modified"
		case strings.Contains(code, "A"):
			kind = "added"
		}
		changes = append(changes, kind+" "+p)
	}
	if len(changes) > 0 {
		w.report(d, changes, paths, when)
	}
	if st.Head != w.head {
		commits, err := w.repo.CommitsSince(ctx, st.Head, w.head)
		if err != nil {
			d.info(w.run, "watch", slog.LevelWarn, sinks.KindWarning, fmt.Sprintf("could not list the commits in the main tree %s: %v", when, err))
		}
		if len(commits) == 0 {
			w.report(d, []string{fmt.Sprintf("HEAD moved from %.12s to %.12s", w.head, st.Head)}, nil, when)
		}
		w.reportCommits(d, commits, when)
		w.head = st.Head
	}
	w.window = map[string]bool{}
	for label := range w.running {
		w.window[label] = true
	}
	return st
}

// reportCommits reports commits looper did not make; the caller holds mu.
func (w *checkoutWatch) reportCommits(d *env, commits []worktree.Commit, when string) {
	var changes []string
	for _, c := range commits {
		if w.reported["commit "+c.ID] {
			continue
		}
		w.reported["commit "+c.ID] = true
		changes = append(changes, fmt.Sprintf("commit %s", c))
	}
	if len(changes) > 0 {
		w.report(d, changes, nil, when)
	}
}

// report emits one warning; the caller holds mu.
func (w *checkoutWatch) report(d *env, changes, paths []string, when string) {
	const show = 10
	more := ""
	if len(changes) > show {
		more = fmt.Sprintf("; and %d more", len(changes)-show)
		changes = changes[:show]
	}
	tasks := "no task was running"
	if len(w.window) > 0 {
		tasks = "tasks running: " + strings.Join(slices.Sorted(maps.Keys(w.window)), ", ")
	}
	e := sinks.Event{Level: slog.LevelWarn, Kind: sinks.KindWarning, Stage: "watch", Files: paths,
		Message: fmt.Sprintf("the main tree %s changed, and not by looper (%s; noticed %s): %s%s; looper goes on, check these changes",
			w.repo.Root(), tasks, when, strings.Join(changes, "; "), more)}
	d.emit(w.run, e)
}
