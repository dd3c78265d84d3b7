package worktree

import "testing"

// TestResumePoints picks, per task, the most recent leftover holding work,
// and never one without work, without a branch, or of another task.
func TestResumePoints(t *testing.T) {
	t.Parallel()
	lo := func(run, task string, attempt int, state State, ahead int, changes ...string) Leftover {
		return Leftover{Worktree: Worktree{Path: "/p/" + run + task, Branch: branchName(run, safeName(task), attempt)},
			Run: run, Task: safeName(task), Attempt: attempt, State: state, Ahead: ahead, Changes: changes}
	}
	left := []Leftover{
		lo("r1", "A", 1, StateUnmerged, 2),
		lo("r2", "A", 1, StateUnmerged, 1), // newer run wins
		lo("r2", "B", 1, StateEmpty, 0),    // nothing to continue from
		lo("r2", "C", 1, StateEmpty, 0, "x.go"),
		lo("r2", "D/x", 1, StateUnmerged, 1), // sanitized id still matches
		lo("r2", "E", 1, StateUnmerged, 1),   // E is not asked for (done)
		{Run: "r2", Task: "F", State: StateStray, Changes: []string{"y"}},
	}
	got := ResumePoints(left, []string{"A", "B", "C", "D/x", "F"})
	want := map[string]string{"A": "r2", "C": "r2", "D/x": "r2"}
	if len(got) != len(want) {
		t.Fatalf("got %d points %v, want %v", len(got), got, want)
	}
	for id, run := range want {
		if got[id].Run != run {
			t.Errorf("%s resumes from run %q, want %q", id, got[id].Run, run)
		}
	}
}
