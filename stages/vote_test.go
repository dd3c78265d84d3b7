package stages

import (
	"slices"
	"testing"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/todo"
)

// at builds an attempt in slot i that reported status (or failed with class).
func at(slot int, status string, opts ...func(*Attempt)) Attempt {
	a := Attempt{Slot: slot, Agent: "claude", AgentID: "claude#" + string(rune('0'+slot))}
	if status != "" {
		a.Result = okResult("T1", status)
	}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func failed(class agent.Class, msg string) func(*Attempt) {
	return func(a *Attempt) { a.Result = agent.Result{Class: class, Err: msg} }
}

func diff(added, removed, files int) func(*Attempt) {
	return func(a *Attempt) {
		a.Worktree = &worktree.Worktree{Path: "/wt", Branch: "b"}
		a.Diff = worktree.DiffStat{Added: added, Removed: removed, Files: files}
	}
}

func verified(exit int) func(*Attempt) {
	return func(a *Attempt) { a.Verify = &VerifyResult{Command: "go test ./...", ExitCode: exit} }
}

func files(fs ...string) func(*Attempt) {
	return func(a *Attempt) { a.Result.Summary.Files = fs }
}

func blockers(bs ...string) func(*Attempt) {
	return func(a *Attempt) { a.Result.Summary.Blockers = bs }
}

func TestDecide(t *testing.T) {
	t.Parallel()
	job := Job{Task: todo.Task{ID: "T1"}}
	tests := []struct {
		name     string
		attempts []Attempt
		quorum   int
		status   string
		winner   int
		votes    string
		blockers []string
		files    []string
		explain  string
	}{
		{
			name:     "a single done attempt wins",
			attempts: []Attempt{at(1, "done", files("a.go"))},
			status:   "done", winner: 0, votes: "1/1 done", files: []string{"a.go"},
			explain: "T1 done: 1/1 done",
		},
		{
			name:     "two done votes beat one blocked and files are united",
			attempts: []Attempt{at(1, "blocked", blockers("x")), at(2, "done", files("a.go")), at(3, "done", files("b.go", "a.go"))},
			status:   "done", winner: 1, votes: "2/3 done", files: []string{"a.go", "b.go"},
			explain: "T1 done: 2/3 done, winner claude#2",
		},
		{
			name:     "a tie goes to done before blocked",
			attempts: []Attempt{at(1, "blocked"), at(2, "done")},
			status:   "done", winner: 1, votes: "1/2 done",
			explain: "T1 done: 1/2 done, winner claude#2",
		},
		{
			name:     "a tie goes to blocked before skipped",
			attempts: []Attempt{at(1, "skipped"), at(2, "blocked", blockers("no access"))},
			status:   "blocked", winner: 1, votes: "1/2 blocked", blockers: []string{"no access"},
			explain: "T1 blocked: 1/2 blocked, winner claude#2, no access",
		},
		{
			name:     "failed attempts vote blocked with their reason",
			attempts: []Attempt{at(1, "", failed(agent.ClassTimeout, "timed out after 30m")), at(2, "", failed(agent.ClassCrashed, "exit status 2"))},
			status:   "blocked", winner: -1, votes: "2/2 blocked",
			blockers: []string{"claude#1: timed out after 30m (timeout)", "claude#2: exit status 2 (crashed)"},
			explain:  "T1 blocked: 2/2 blocked, claude#1: timed out after 30m (timeout)",
		},
		{
			name:     "the smallest diff wins among done votes, then fewer files, then agent order",
			attempts: []Attempt{at(1, "done", diff(40, 2, 3)), at(2, "done", diff(5, 5, 2)), at(3, "done", diff(8, 2, 1)), at(4, "done", diff(8, 2, 1))},
			status:   "done", winner: 2, votes: "4/4 done",
			explain: "T1 done: 4/4 done, winner claude#3, +8 -2 lines",
		},
		{
			name: "a done attempt that fails verification counts as blocked",
			attempts: []Attempt{
				at(1, "done", diff(1, 0, 1), verified(1)),
				at(2, "done", diff(10, 0, 1), verified(0)),
				at(3, "done", diff(90, 0, 9), verified(0)),
			},
			status: "done", winner: 1, votes: "2/3 verified done",
			explain: "T1 done: 2/3 verified done, winner claude#2, +10 -0 lines",
		},
		{
			name:     "quorum not met blocks the task and lists every reason",
			attempts: []Attempt{at(1, "done", verified(0)), at(2, "done", verified(0)), at(3, "done", verified(2)), at(4, "", failed(agent.ClassCrashed, "exit 2"))},
			quorum:   3,
			status:   "blocked", winner: -1, votes: "2/4 verified done",
			blockers: []string{
				"quorum not met: 2 verified done votes, 3 required",
				"claude#1: reported done",
				"claude#2: reported done",
				`claude#3: verification "go test ./..." failed with exit code 2`,
				"claude#4: exit 2 (crashed)",
			},
			explain: "T1 blocked: 2/4 verified done, quorum 3 not met",
		},
		{
			name:     "an agent that cannot be used abstains",
			attempts: []Attempt{at(1, "done"), at(2, "", failed(agent.ClassAuth, "401"))},
			status:   "done", winner: 0, votes: "1/1 done (1 abstained)",
			explain: "T1 done: 1/1 done (1 abstained), winner claude#1",
		},
		{
			name:     "when every agent abstains the task is skipped",
			attempts: []Attempt{at(1, "", failed(agent.ClassUnreachable, "no network")), at(2, "", failed(agent.ClassAuth, "401"))},
			status:   "skipped", winner: -1, votes: "0/2: no usable agent",
			explain: "T1 left as it was: claude#1: no network (unreachable)",
		},
		{
			name:     "a quorum that is met changes nothing",
			attempts: []Attempt{at(1, "done"), at(2, "done"), at(3, "blocked")},
			quorum:   2,
			status:   "done", winner: 0, votes: "2/3 done",
			explain: "T1 done: 2/3 done, winner claude#1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decide(Ballot{Job: job, Attempts: tt.attempts}, tt.quorum)
			if d.Status != tt.status || d.Winner != tt.winner || d.Votes != tt.votes {
				t.Errorf("got %s winner %d votes %q; want %s winner %d votes %q", d.Status, d.Winner, d.Votes, tt.status, tt.winner, tt.votes)
			}
			if !slices.Equal(d.Blockers, tt.blockers) {
				t.Errorf("blockers %q, want %q", d.Blockers, tt.blockers)
			}
			if tt.files != nil && !slices.Equal(d.Files, tt.files) {
				t.Errorf("files %q, want %q", d.Files, tt.files)
			}
			if d.Explanation != tt.explain {
				t.Errorf("explanation %q, want %q", d.Explanation, tt.explain)
			}
			// Deterministic: the same attempts give the same decision.
			again := Decide(Ballot{Job: job, Attempts: slices.Clone(tt.attempts)}, tt.quorum)
			if again.Status != d.Status || again.Winner != d.Winner || again.Explanation != d.Explanation {
				t.Errorf("second decision differs: %+v", again)
			}
		})
	}
}

func TestDecideKeepsTheWinnersSummaryWhole(t *testing.T) {
	t.Parallel()
	a1 := at(1, "done")
	a1.Result.Summary.Summary = "first agent's long account"
	a2 := at(2, "done")
	a2.Result.Summary.Summary = "second"
	d := Decide(Ballot{Job: Job{Task: todo.Task{ID: "T1"}}, Attempts: []Attempt{a1, a2}}, 0)
	if d.Summary != "first agent's long account" {
		t.Errorf("summary %q", d.Summary)
	}
}
