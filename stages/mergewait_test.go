package stages

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/todo"
)

// gitIn runs git in dir, failing the test on error.
func gitIn(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// commits is a behaviour that writes file in the attempt's tree, commits
// it, and reports done.
func commits(file string) behaviour {
	return func(req agent.Request, _ int) (time.Duration, agent.Result) {
		if err := os.WriteFile(filepath.Join(req.Dir, file), []byte(req.TaskID+"\n"), 0o644); err == nil {
			cmd := exec.Command("sh", "-c", "git add -A && git -c user.name=t -c user.email=t@example.invalid commit -qm work")
			cmd.Dir = req.Dir
			_ = cmd.Run()
		}
		return time.Minute, okResult(req.TaskID, todo.SummaryDone)
	}
}

// gitHarness is a harness whose project is a git repository with a worktree
// per attempt.
func gitHarness(t *testing.T, r *fakeRunner, tasks ...task) *harness {
	h := newHarness(t, r, tasks...)
	gitIn(t, h.dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(h.dir, ".gitignore"), []byte(".looper/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, h.dir, "add", ".gitignore")
	gitIn(t, h.dir, "commit", "-qm", "start")
	repo, err := worktree.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	h.deps.Repo = repo
	h.deps.Parallel = true
	h.deps.MaxTasks = 4
	return h
}

// TestAWaitingMergeParksOnlyItsTask: D's merge waits for the user's
// untracked dirty.txt; A and B land meanwhile; after the wait limit D is
// blocked with the path and the branch that holds its work, and the run
// ends.
func TestAWaitingMergeParksOnlyItsTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(commits("x.txt"))
		r.plan["D"] = commits("dirty.txt")
		r.plan["A"] = commits("a.txt")
		r.plan["B"] = commits("b.txt")
		h := gitHarness(t, r, task{id: "D", priority: 1}, task{id: "A"}, task{id: "B"})
		if err := os.WriteFile(filepath.Join(h.dir, "dirty.txt"), []byte("mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rep, err := h.run(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < mergeWaitLimit {
			t.Errorf("the run ended after %s, before the wait limit %s", took, mergeWaitLimit)
		}
		if rep.Done != 2 || rep.Failed != 1 {
			t.Errorf("report %+v, want 2 done and D failed", rep)
		}
		for _, id := range []string{"A", "B"} {
			if st := h.status(id); st != todo.StatusDone {
				t.Errorf("%s is %s, want done", id, st)
			}
		}
		d := h.backlog().Task("D")
		if d.Status != todo.StatusBlocked || !slices.ContainsFunc(d.Blockers, func(b string) bool {
			return strings.Contains(b, "dirty.txt") && strings.Contains(b, "its work is on branch looper/test/D/1")
		}) {
			t.Errorf("D is %s with blockers %q, want blocked naming dirty.txt and its branch", d.Status, d.Blockers)
		}
		if data, _ := os.ReadFile(filepath.Join(h.dir, "dirty.txt")); string(data) != "mine\n" {
			t.Errorf("the user's dirty.txt now holds %q", data)
		}
		for _, f := range []string{"a.txt", "b.txt"} {
			if _, err := os.Stat(filepath.Join(h.dir, f)); err != nil {
				t.Errorf("%s did not land: %v", f, err)
			}
		}
	})
}
