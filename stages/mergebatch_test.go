package stages

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// TestABurstOfOutcomesLandsTogether: four tasks finish at the same moment;
// their merges land as one batch, every file reaches the main tree, the
// history names each task's merge, the checkout watch takes the batch for
// looper's own (no warning about foreign commits), and the run's worktrees
// are gone at the end, pooled ones included.
func TestABurstOfOutcomesLandsTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRunner(nil)
		ids := []string{"A", "B", "C", "D"}
		var tasks []task
		for _, id := range ids {
			r.plan[id] = commits(strings.ToLower(id) + ".txt")
			tasks = append(tasks, task{id: id})
		}
		h := gitHarness(t, r, tasks...)
		rep, err := h.run(t.Context(), false)
		if err != nil || rep.Done != len(ids) {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		for _, id := range ids {
			if st := h.status(id); st != todo.StatusDone {
				t.Errorf("%s is %s, want done", id, st)
			}
			if _, err := os.Stat(filepath.Join(h.dir, strings.ToLower(id)+".txt")); err != nil {
				t.Errorf("%s's file did not land: %v", id, err)
			}
		}
		out, err := exec.Command("git", "-C", h.dir, "log", "--first-parent", "--format=%s", "main").Output()
		if err != nil {
			t.Fatal(err)
		}
		// One lands as a fast-forward, each of the others as a merge commit.
		if n := strings.Count(string(out), "looper: merge "); n != len(ids)-1 {
			t.Errorf("%d merge commits on main, want %d:\n%s", n, len(ids)-1, out)
		}
		for _, e := range h.events.events {
			if e.Stage == "watch" && e.Kind != sinks.KindInfo {
				t.Errorf("the checkout watch reported looper's own batch: %s", e.Message)
			}
		}
		list, err := exec.Command("git", "-C", h.dir, "worktree", "list", "--porcelain").Output()
		if err != nil || strings.Contains(string(list), ".looper/worktrees") {
			t.Errorf("worktrees left after the run (%v):\n%s", err, list)
		}
	})
}
