package stages

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/looper-go/looper/internal/agent"
	"github.com/looper-go/looper/internal/prompts"
	"github.com/looper-go/looper/internal/worktree"
	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// ClassSetup marks an attempt that never started because its working tree
// could not be prepared.
const ClassSetup agent.Class = "setup-failed"

// Agents is the agents stage: fan-out by agent. For each job, one after
// another, it runs MaxAgents attempts, each with its own label,
// last-message file and working directory, and sends their ballot in agent
// order. With worktrees the attempts run at once (a pool of MaxAgents),
// each in its own tree; in place they run one after another, never two in
// one tree. Execute runs the same fan-out for up to MaxTasks jobs at once;
// a pipeline with agents in its place runs one task at a time.
func Agents(settings Settings, services Services) pipeline.Stage[Job, Ballot] {
	d := newEnv(settings, services)
	return checked(d, pipeline.Map("agents", 1, func(ctx context.Context, j Job) (Ballot, error) {
		return runAgents(ctx, d, j)
	}))
}

// runAgents is the agents fan-out of one job. The ballot lists the
// attempts in agent order. The error is for what must stop the run (a
// broken prompt), prefixed with the task.
func runAgents(ctx context.Context, d *env, j Job) (Ballot, error) {
	ctx, release := budgetContext(ctx, j)
	defer release()
	n := d.maxAgents()
	attempts := make([]Attempt, n)
	run := func(ctx context.Context, slot int) error {
		a, err := runAttempt(ctx, d, j, slot)
		attempts[slot-1] = a
		if err != nil {
			return fmt.Errorf("task %s: %w", j.Task.ID, err)
		}
		return nil
	}
	if d.Repo != nil && n > 1 {
		p := pool.New().WithContext(ctx).WithMaxGoroutines(n).WithFirstError()
		for slot := 1; slot <= n; slot++ {
			p.Go(func(ctx context.Context) error { return run(ctx, slot) })
		}
		if err := p.Wait(); err != nil {
			return Ballot{}, err
		}
	} else {
		for slot := 1; slot <= n; slot++ {
			if err := run(ctx, slot); err != nil {
				return Ballot{}, err
			}
		}
	}
	return Ballot{Job: j, Attempts: attempts}, nil
}

// runAttempt runs one agent on one job: prepare the tree, run the agent
// (callAgent renders the prompt), run the hook, then measure and verify
// the result. The error is for what must stop the run (a broken prompt);
// everything an agent does wrong is in the Attempt.
func runAttempt(ctx context.Context, d *env, j Job, slot int) (Attempt, error) {
	name := d.agentFor(slot)
	a := Attempt{
		Slot:    slot,
		Agent:   name,
		AgentID: fmt.Sprintf("%s#%d", name, slot),
		Label:   fmt.Sprintf("iter-%d-%s-%s-%d", j.Iteration, j.Task.ID, name, slot),
		Dir:     d.WorkDir,
	}
	spec, ok := d.Agents[name]
	if !ok {
		a.Result = agent.Result{Class: ClassSetup, Err: fmt.Sprintf("no agent named %q is configured", name)}
		return a, nil
	}
	if reason, unusable := j.run.agentUnusable(name); unusable {
		// The agent failed in a way every task would (bad credentials, no
		// API): its slot abstains and the task is left to the others.
		a.Result = agent.Result{Class: agent.ClassUnreachable, Err: "not used for the rest of the run: " + reason}
		return a, nil
	}
	if err := waitForRateLimit(ctx, d, j, a); err != nil {
		a.Result = agent.Result{Class: agent.ClassKilled, Err: err.Error()}
		return a, nil
	}
	if d.Repo != nil {
		// Each attempt of each slot gets its own number: attempt 1 of a
		// three-agent task uses 1, 2, 3; its re-run after a conflict 4, 5, 6.
		number := (j.Attempt-1)*d.maxAgents() + slot
		wt, err := d.Repo.Create(ctx, d.RunID, j.Task.ID, number, worktree.Options{
			Copy: d.WorktreeCopy, Setup: d.WorktreeSetup, SetupTimeout: d.SetupTimeout, Sparse: d.WorktreeSparse,
			Resume: j.run.takeResume(j.Task.ID),
		})
		if err != nil {
			a.Result = agent.Result{Class: ClassSetup, Err: err.Error()}
			d.emit(j.run, attemptEvent(d, j, a))
			return a, nil
		}
		a.Worktree = wt
		a.Dir = wt.Path
	}
	earlierWork := noteResume(d, j, a)

	call := agentCall{
		Agent: name, Role: roleIteration, Prompt: prompts.Iteration, Dir: a.Dir, Label: a.Label,
		Contract: agent.ContractTask, TaskID: j.Task.ID, AgentID: a.AgentID, Attempt: j.Attempt, Iteration: j.Iteration,
		Data: prompts.Data{
			SelectedTask: prompts.Task{
				ID: j.Task.ID, Title: j.Task.Title, Status: string(j.Task.Status),
				Description: j.Task.Description, Steps: j.Task.Steps,
			},
			Parallel:    d.Parallel,
			AgentID:     a.AgentID,
			Attempt:     j.Attempt,
			EarlierWork: earlierWork,
		},
	}
	if d.Parallel {
		call.Prompt = prompts.IterationParallel
	}
	if a.Worktree != nil {
		call.Data.Branch = a.Worktree.Branch
	}
	checkpoint := checkpointInPlace(d, j, a)
	res, lastMessage, err := callAgent(ctx, d, j.run, spec, call)
	if err != nil {
		return a, err
	}
	a.Result = res
	spend(d, j.run, j.Task.ID, a.AgentID, res.Usage)
	checkTaskID(&a, j)
	switch {
	case a.Result.Class.Limited():
		j.run.pauseAgent(a.Agent, rateLimitUntil(d, j, a.Result))
	case a.Result.Class.Unusable() && ctx.Err() == nil:
		stopUsing(d, j, a)
	}
	reportDenials(d, j, a)
	if ctx.Err() == nil {
		commitInPlace(d, j, &a, checkpoint)
	}
	runHook(ctx, d, j, a, a.Vote(), lastMessage)

	if a.Worktree != nil && ctx.Err() == nil {
		inspectWorktree(ctx, d, j, &a)
	}
	if cmd := d.verifyCommand(j.Task); cmd != "" && a.Vote() == todo.SummaryDone && ctx.Err() == nil {
		a.Verify = runVerify(ctx, d, j, a, cmd)
	}
	d.emit(j.run, attemptEvent(d, j, a))
	return a, nil
}

// checkTaskID turns a summary about another task into an invalid summary, as
// upstream refused to apply one.
func checkTaskID(a *Attempt, j Job) {
	s := a.Result.Summary
	if a.Result.Class != agent.ClassOK || s == nil || s.TaskID == "" || s.TaskID == j.Task.ID {
		return
	}
	a.Result.Class = agent.ClassInvalidSummary
	a.Result.Err = fmt.Sprintf("summary is about task %q, not %q", s.TaskID, j.Task.ID)
}

// inspectWorktree checks what the agent did to git (checkIntegrity) before
// anything else touches the worktree, then commits what the agent left
// uncommitted, strips its edits to the backlog (looper is the single
// writer), and measures the diff. An attempt that fails the check is left
// exactly as the agent left it. The checkout watch then looks at the main
// tree for what the agent may have done there, unless the attempt's merge
// is about to look (landsNext): on a large repository a look is a stat of
// every file.
func inspectWorktree(ctx context.Context, d *env, j Job, a *Attempt) {
	defer func() {
		if !landsNext(d, *a) {
			j.run.watch().check(ctx, d, "after "+a.AgentID+" on "+j.Task.ID)
		}
	}()
	wt := a.Worktree
	sound := checkIntegrity(ctx, d, j, a)
	if !sound {
		return
	}
	a.Sound = true
	committed, cerr := d.Repo.CommitAll(wt, fmt.Sprintf("looper: uncommitted work on %s by %s", j.Task.ID, a.AgentID))
	switch {
	case cerr != nil:
		warnAttempt(d, j, *a, fmt.Sprintf("could not commit the work left in %s: %v", wt.Path, cerr))
	case committed:
		infoAttempt(d, j, *a, fmt.Sprintf("committed the changes the agent left uncommitted in %s", wt.Path))
	}
	diff, err := d.Repo.DiffStat(wt.Base, wt.Branch)
	// The diff lists every path the branch changes: when the backlog is
	// not among them (and everything was committed) there is nothing to
	// drop, and no git command asks.
	if rel, rerr := filepath.Rel(d.Repo.Root(), d.TodoPath); rerr == nil && filepath.IsLocal(rel) && (cerr != nil || err != nil || touches(diff.Paths, filepath.ToSlash(rel))) {
		dropped, derr := d.Repo.DropPaths(wt, "", filepath.ToSlash(rel))
		switch {
		case derr != nil:
			warnAttempt(d, j, *a, fmt.Sprintf("could not undo the agent's edits to the backlog: %v", derr))
		case dropped:
			warnAttempt(d, j, *a, "the agent edited the backlog; its edits were dropped (looper is the only writer)")
			diff, err = d.Repo.DiffStat(wt.Base, wt.Branch)
		}
	}
	if err != nil {
		warnAttempt(d, j, *a, fmt.Sprintf("could not measure the diff: %v", err))
		return
	}
	a.Diff = diff
}

// landsNext reports whether the attempt goes straight to a merge, whose
// look at the main tree (checkoutWatch.merge) stands for the one after the
// attempt: the task's only agent, sound, done, with changes to land. The
// job is still in flight until its outcome is recorded, so what the look
// finds is put down to it as before.
func landsNext(d *env, a Attempt) bool {
	s := a.Result.Summary
	return d.maxAgents() == 1 && a.Sound && a.Result.Class == agent.ClassOK && s != nil && s.Status == todo.SummaryDone && a.Diff.Files > 0
}

// touches reports whether any of paths (slash-separated, relative to the
// repository) is p or lies below it.
func touches(paths []string, p string) bool {
	for _, q := range paths {
		if q == p || strings.HasPrefix(q, p+"/") {
			return true
		}
	}
	return false
}

// stopUsing disables an agent that cannot work (its credentials fail, its
// model API does not answer): every task would fail the same way, so the
// run stops using it, the task is left as it was, and when no agent is left
// to work on tasks the run ends with ErrAgentUnusable.
func stopUsing(d *env, j Job, a Attempt) {
	if j.run.disableAgent(a.Agent, a.Result.Err) {
		e := d.event(j, "agents", sinks.KindError)
		e.Level = slog.LevelError
		e.AgentID = a.AgentID
		e.Class = string(a.Result.Class)
		e.Message = fmt.Sprintf("%s is not used for the rest of this run; its tasks stay as they were: %s", a.Agent, a.Result.Err)
		d.emit(j.run, e)
	}
	if j.run.noUsableAgent(d.Settings) {
		j.run.end(fmt.Errorf("%w: %s", ErrAgentUnusable, strings.Join(j.run.unusableAgents(), "; ")))
	}
}

// reportDenials warns about the tool calls an agent was refused: a denied
// `git commit` is why its work was left uncommitted.
func reportDenials(d *env, j Job, a Attempt) {
	if len(a.Result.Denials) == 0 {
		return
	}
	warnAttempt(d, j, a, fmt.Sprintf("%s was denied %d tool call(s): %s", a.AgentID, len(a.Result.Denials), strings.Join(a.Result.Denials, "; ")))
}

// waitForRateLimit holds an attempt while its agent is paused for a rate
// limit, saying so once.
func waitForRateLimit(ctx context.Context, d *env, j Job, a Attempt) error {
	until := j.run.agentPausedUntil(a.Agent)
	wait := until.Sub(d.now())
	if wait <= 0 {
		return nil
	}
	warnAttempt(d, j, a, fmt.Sprintf("%s is rate-limited; waiting %s until %s", a.Agent, wait.Round(time.Second), until.UTC().Format(time.RFC3339)))
	return pipeline.Sleep(ctx, wait)
}

// rateLimitUntil is when a rate-limited agent may be used again: the reset
// time the agent reported, else an exponential backoff with jitter. A
// reported reset that has already passed (on a busy machine reading the
// result can take longer than the limit lasted) means the limit has
// reset: now, not the backoff meant for limits with no known end.
func rateLimitUntil(d *env, j Job, r agent.Result) time.Time {
	now := d.now()
	switch {
	case r.ResetAt.After(now):
		return r.ResetAt
	case !r.ResetAt.IsZero():
		return now
	}
	return now.Add(backoff(j.RateLimits, j.Task.ID))
}

// backoff is 30s doubled per earlier rate limit, capped at 30m, plus up to
// 20% jitter derived from the task id (deterministic, so tests can pin it).
func backoff(n int, key string) time.Duration {
	base := 30 * time.Second
	for range min(n, 6) {
		base *= 2
	}
	base = min(base, 30*time.Minute)
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	jitter := time.Duration(h%1000) * base / 5000
	return base + jitter
}
