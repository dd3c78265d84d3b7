package reliability

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/looper-go/looper/todo"
)

// crashTasks, crashKills and crashArgs size TestCrashSafety: a 200-task
// parallel run, SIGKILLed at least 20 times.
const (
	crashTasks = 200
	crashKills = 20
)

var crashArgs = []string{"run", "--parallel", "--max-tasks", "8", "--output-mode", "summary"}

// crashAgent is the claude of TestCrashSafety: a fake agent in sh that
// records its start (with the trial it belongs to), works for 5 to 64 ms
// and reports its task done in claude's stream-json (a review finds
// nothing to add). The Go fake agent spends about 50 ms of CPU starting up;
// over the thousands of agent runs of this test that would be most of its
// time budget, and looper, the process under test, treats both alike.
const crashAgent = `#!/bin/sh
cat >/dev/null
printf '{"event":"start","pid":%d,"task_id":"%s","mode":"%s","trial":"%s"}\n' $$ "$LOOPER_TASK_ID" "$LOOPER_MODE" "$LOOPER_RELIABILITY_TRIAL" >>"$LOOPER_FAKE_RECORD"
sleep $(printf '0.%03d' $(( $$ % 60 + 5 )))
printf '{"type":"system","subtype":"init","session_id":"s-%d","model":"fake"}\n' $$
if [ "$LOOPER_MODE" = review ]; then
	printf '{"type":"result","subtype":"success","is_error":false,"result":"{\\"status\\":\\"reviewed\\",\\"summary\\":\\"nothing to add\\",\\"added_tasks\\":0,\\"files\\":[]}"}\n'
else
	printf '{"type":"result","subtype":"success","is_error":false,"result":"{\\"task_id\\":\\"%s\\",\\"status\\":\\"done\\",\\"summary\\":\\"done\\",\\"files\\":[],\\"blockers\\":[]}"}\n' "$LOOPER_TASK_ID"
fi
`

// crashBacklog is a backlog of n tasks with random priorities and some
// dependencies on earlier tasks.
func crashBacklog(rng *rand.Rand, n int) []task {
	tasks := make([]task, n)
	for i := range tasks {
		tasks[i] = task{ID: "T" + strconv.Itoa(i+1), Priority: 1 + rng.IntN(5)}
		if i > 0 && rng.IntN(4) == 0 {
			tasks[i].DependsOn = []string{"T" + strconv.Itoa(1+rng.IntN(i))}
		}
	}
	return tasks
}

// TestCrashSafety SIGKILLs looper at random moments of a 200-task parallel
// run, at least crashKills times, each time resuming the run the previous
// kill left (and starting over from a fresh backlog when a run got to the
// end). After every kill:
//
//   - the backlog parses and validates (todo.Load), with exactly the task
//     ids it started with: no task lost, none duplicated;
//   - no task reported done was lost (done only grows) and no task is
//     blocked (every agent succeeds; a crash must not invent failures);
//   - no task that was done when the trial began was run again, and no task
//     ran twice within one looper process;
//   - no agent process is left (they die with looper: PR_SET_PDEATHSIG);
//   - the run log holds only complete JSON lines, but for its last line,
//     which a SIGKILL in the middle of a write can cut short.
//
// Finally a plain `looper run` finishes whatever the last kill left, with
// every task done and no temporary file of a save cut short left beside the
// backlog. LOOPER_CRASH_SEED replays a seed.
func TestCrashSafety(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOOPER_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("LOOPER_CRASH_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x10095))
	tasks := crashBacklog(rng, crashTasks)
	fresh := backlogJSON(tasks)
	p := newProject(t, tasks, nil, nil)
	p.write(filepath.Join(p.root, "bin", "claude"), crashAgent, 0o755)
	var ids []string
	for _, tk := range tasks {
		ids = append(ids, tk.ID)
	}
	slices.Sort(ids)

	// An uninterrupted run first: it must finish, and it measures how long
	// a whole run takes, the range the kills are drawn from.
	began := time.Now()
	if code, out := p.looper(5*time.Minute, crashArgs...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, out)
	}
	full := time.Since(began)
	p.checkCrashState(ids, nil, "the uninterrupted run")
	p.checkLogs(true)
	if st := statuses(p.backlog()); countStatus(st, todo.StatusDone) != crashTasks {
		t.Fatalf("uninterrupted run left tasks undone: %v", st)
	}
	t.Logf("an uninterrupted run of %d tasks takes %s", crashTasks, full.Round(time.Millisecond))

	var trials, killed, finished, resumed, redone, torn int
	temps := map[string]bool{} // temporary files of saves cut short
	var killTimes []time.Duration
	for killed < crashKills {
		trials++
		if trials > 3*crashKills {
			t.Fatalf("%d trials and only %d kills mid-run", trials, killed)
		}
		before := statuses(p.backlog())
		left := crashTasks - countStatus(before, todo.StatusDone)
		if left == 0 {
			p.write(p.todoPath, string(fresh), 0o644)
			before = statuses(p.backlog())
			left = crashTasks
		} else {
			resumed++
		}
		// Kill anywhere in what is left of the run; one trial in five in
		// its first 100ms, where the lock, the first read and the first
		// saves are.
		window := full * time.Duration(left) / crashTasks
		delay := time.Duration(rng.Int64N(int64(window)))
		if rng.IntN(5) == 0 {
			delay = time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
		}
		trial := strconv.Itoa(trials)
		r := p.startEnv([]string{"LOOPER_RELIABILITY_TRIAL=" + trial}, crashArgs...)
		select {
		case <-time.After(delay):
			r.signal(syscall.SIGKILL)
		case <-r.done:
		}
		code := r.wait(time.Minute)
		p.noLeftovers(5 * time.Second)
		switch code {
		case 128 + int(syscall.SIGKILL):
			killed++
			killTimes = append(killTimes, delay)
		case 0:
			finished++ // it got to the end before the kill: fine
		default:
			t.Fatalf("trial %s: looper exited %d before it was killed\n%s", trial, code, r.tail())
		}
		what := fmt.Sprintf("trial %s (killed after %s)", trial, delay.Round(time.Millisecond))
		after := p.checkCrashState(ids, before, what)
		torn = p.checkLogs(code == 0)

		// Runs of this trial: each task at most once, and never one that
		// was already done.
		runs := map[string]int{}
		for _, e := range starts(p.records()) {
			if e.Trial != trial {
				continue
			}
			runs[e.TaskID]++
			if runs[e.TaskID] > 1 {
				t.Errorf("%s: task %s ran twice in one looper process", what, e.TaskID)
			}
			if before[e.TaskID] == todo.StatusDone {
				t.Errorf("%s: task %s ran again although it was done", what, e.TaskID)
			}
			if after[e.TaskID] != todo.StatusDone {
				redone++ // its work was lost with looper; the next run does it again
			}
		}
		for _, name := range p.temporaries() {
			temps[name] = true
		}
	}

	// A plain run finishes what the last kill left.
	code, out := p.looper(5*time.Minute, crashArgs...)
	if code != 0 {
		t.Fatalf("final run: exit %d\n%s", code, out)
	}
	p.checkCrashState(ids, nil, "the final run")
	p.checkLogs(true)
	if st := statuses(p.backlog()); countStatus(st, todo.StatusDone) != crashTasks {
		t.Errorf("the final run left tasks undone: %v", st)
	}
	p.noLeftovers(5 * time.Second)
	if left := p.temporaries(); len(left) > 0 {
		t.Errorf("temporary files of interrupted saves outlived the next run: %q", left)
	}
	slices.Sort(killTimes)
	t.Logf("%d trials: %d killed (after %s … %s), %d finished first; %d resumed a killed run; "+
		"%d agent runs lost with looper and redone; %d save(s) cut short, their temporary files removed by the next run; "+
		"%d run log(s) ending with a torn line",
		trials, killed, killTimes[0].Round(time.Millisecond), killTimes[len(killTimes)-1].Round(time.Millisecond),
		finished, resumed, redone, len(temps), torn)
}

// temporaries lists the temporary files of backlog saves beside it.
func (p *project) temporaries() []string {
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(p.todoPath), ".todo.json.tmp-*"))
	return names
}

// checkCrashState checks the backlog after a run: it loads, holds exactly
// ids, has no blocked task and, when before is given, lost no done task.
// It also checks that every run log is whole. It returns the statuses.
func (p *project) checkCrashState(ids []string, before map[string]todo.Status, what string) map[string]todo.Status {
	p.t.Helper()
	b, err := todo.Load(p.todoPath)
	if err != nil {
		p.t.Fatalf("%s: the backlog does not load: %v", what, err)
	}
	after := statuses(b)
	var got []string
	for id, st := range after {
		got = append(got, id)
		switch st {
		case todo.StatusTodo, todo.StatusDoing, todo.StatusDone:
		default:
			p.t.Errorf("%s: task %s is %s", what, id, st)
		}
		if before[id] == todo.StatusDone && st != todo.StatusDone {
			p.t.Errorf("%s: task %s was done and is now %s", what, id, st)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, ids) {
		p.t.Fatalf("%s: the backlog's ids changed: %d ids, want %d (%s)", what, len(got), len(ids), diffIDs(got, ids))
	}
	if n := len(b.Tasks) - len(after); n > 1 {
		p.t.Errorf("%s: %d PROJECT-DONE markers", what, n)
	}
	return after
}

// checkLogs checks the run logs: those of killed runs hold whole JSON
// lines but may end with a torn one (a SIGKILL can cut a write short),
// which it counts; the newest, when finished, must be whole.
func (p *project) checkLogs(finished bool) (torn int) {
	p.t.Helper()
	logs := p.runLogs()
	for i, log := range logs {
		if finished && i == len(logs)-1 {
			p.readLog(log)
			continue
		}
		if _, cut := p.readKilledLog(log); cut {
			torn++
		}
	}
	return torn
}

func countStatus(m map[string]todo.Status, st todo.Status) int {
	n := 0
	for _, s := range m {
		if s == st {
			n++
		}
	}
	return n
}

// diffIDs describes how two sorted id lists differ.
func diffIDs(got, want []string) string {
	var extra, missing []string
	for _, id := range got {
		if _, ok := slices.BinarySearch(want, id); !ok {
			extra = append(extra, id)
		}
	}
	for _, id := range want {
		if _, ok := slices.BinarySearch(got, id); !ok {
			missing = append(missing, id)
		}
	}
	return fmt.Sprintf("extra %s; missing %s", strings.Join(extra, ","), strings.Join(missing, ","))
}

// TestCrashSafetyWorktrees SIGKILLs looper at random moments of a parallel
// run in a git repository, each attempt in its own worktree committing a
// file and the winners merged into main one at a time. After every kill the
// backlog is valid with the same ids, and the repository is sound: git fsck
// passes, no index.lock is left, main is checked out with no uncommitted
// change (a merge is never left half done). A final run finishes every task,
// with each task's file on main, after reporting the killed runs' worktrees.
// LOOPER_CRASH_SEED replays a seed.
func TestCrashSafetyWorktrees(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOOPER_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("LOOPER_CRASH_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x3a7))
	tasks := crashBacklog(rng, 40)
	scenarios := map[string]any{"review": "review", "default": map[string]any{"steps": []any{
		map[string]any{"sleep_ms": 50},
		map[string]any{"write_file": map[string]any{"path": "src/{task}.txt", "content": "{task}\n"}},
		map[string]any{"git_commit": map[string]any{"message": "feat: {task}"}},
		map[string]any{"summary": map[string]any{"status": "done", "files": []string{"src/{task}.txt"}}},
	}}}
	p := newProject(t, tasks, scenarios, map[string]string{"parallel.isolation": `"worktree"`})
	p.gitInit()
	var ids []string
	for _, tk := range tasks {
		ids = append(ids, tk.ID)
	}
	slices.Sort(ids)
	args := []string{"run", "--parallel", "--max-tasks", "4", "--output-mode", "summary"}

	kills := 0
	for trial := 1; kills < 5; trial++ {
		if trial > 15 {
			t.Fatalf("%d trials, %d kills", trial, kills)
		}
		before := statuses(p.backlog())
		if countStatus(before, todo.StatusDone) == len(tasks) {
			t.Fatalf("the run finished before 5 kills; kill sooner")
		}
		// The kill comes within 20 ms per task left (a task takes about
		// 40 ms of wall time at max 4 on a quiet machine, more on a busy
		// one), so each trial leaves work for the next.
		left := len(tasks) - countStatus(before, todo.StatusDone)
		delay := 30*time.Millisecond + time.Duration(rng.Int64N(int64(time.Duration(left)*20*time.Millisecond)))
		r := p.start(args...)
		select {
		case <-time.After(delay):
			r.signal(syscall.SIGKILL)
		case <-r.done:
		}
		code := r.wait(time.Minute)
		if code != 128+int(syscall.SIGKILL) {
			t.Fatalf("trial %d: looper exited %d before the kill\n%s", trial, code, r.tail())
		}
		kills++
		p.noLeftovers(10 * time.Second) // a git command looper started may finish first
		what := fmt.Sprintf("trial %d (killed after %s)", trial, delay.Round(time.Millisecond))
		p.checkCrashState(ids, before, what)
		p.checkLogs(false)
		p.checkRepo(what)
	}

	// Attempts that resumed earlier work removed the worktrees they took
	// over, so a kill can leave none; the final run must report any there is.
	left := strings.Contains(p.git("worktree", "list"), ".looper/worktrees") || p.git("branch", "--list", "looper/*") != ""
	code, out := p.looper(5*time.Minute, args...)
	if code != 0 {
		t.Fatalf("final run: exit %d\n%s", code, out)
	}
	if left && !strings.Contains(out, "worktree(s) from earlier runs are still here") {
		t.Errorf("the final run does not report the killed runs' worktrees:\n%s", out)
	}
	p.checkCrashState(ids, nil, "the final run")
	p.checkLogs(true)
	p.checkRepo("the final run")
	if st := statuses(p.backlog()); countStatus(st, todo.StatusDone) != len(tasks) {
		t.Errorf("the final run left tasks undone: %v", st)
	}
	for _, id := range ids {
		if data, err := os.ReadFile(filepath.Join(p.dir, "src", id+".txt")); err != nil || string(data) != id+"\n" {
			t.Errorf("task %s's file on main: %q, %v", id, data, err)
		}
	}
}

// checkRepo checks that the project's repository survived a kill.
func (p *project) checkRepo(what string) {
	p.t.Helper()
	p.git("fsck", "--no-dangling", "--no-progress")
	if _, err := os.Stat(filepath.Join(p.dir, ".git", "index.lock")); err == nil {
		p.t.Errorf("%s: .git/index.lock is left", what)
	}
	if branch := strings.TrimSpace(p.git("branch", "--show-current")); branch != "main" {
		p.t.Errorf("%s: the main tree is on %q", what, branch)
	}
	if dirty := strings.TrimSpace(p.git("status", "--porcelain", "--untracked-files=no")); dirty != "" {
		p.t.Errorf("%s: the main tree has uncommitted changes:\n%s", what, dirty)
	}
}
