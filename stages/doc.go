// Package stages is looper's run loop: the domain stages that the generic
// pipeline engine chains, the backlog's single writer, and the loop that runs
// passes of the pipeline until the backlog is done.
//
// # The data flow
//
//		Tick → select → Job → execute ─────────→ Ballot → vote → Decision → merge → Outcome → sink → Completion
//		         ▲               (each task:                                                            │
//		         │                agents, fan-out by agent)                                             │
//		         └──────────────────────────────── completions ◄────────────────────────────────────────┘
//		   every stage and every agent's output ──── the run's event stream ────→ Services.Output
//
//	  - Select owns a todo.ReadySet built from the backlog at the start of each
//	    pass. It dispatches the best ready task whenever fewer than MaxTasks are
//	    in flight (continuous dispatch: no waves), marks it doing through the
//	    Store (the mark rides on the Store's next save, see MarkDoing), and learns from the completions channel its Tick carries when a
//	    task has left the pipeline, which frees its slot and may make its
//	    dependants ready. A task that finished in this run is never offered
//	    again, except for the retries Retries allows and the re-queues merge
//	    asks for (a conflict, a rate limit).
//	  - Execute fans out by task: a pipeline.Map of MaxTasks workers
//	    (AutoMaxTasks when it is 0), each running one task through the agents
//	    fan-out. Agents, a stage of its own for one task at a time, fans out by
//	    agent: MaxAgents attempts, each with its own label, last-message file
//	    and working directory; at once in worktrees, one after another in
//	    place. An attempt renders its prompt (a render error stops the run, it
//	    is never sent to an agent), runs the agent, runs the hook, commits and
//	    measures what the agent left in its worktree, and runs the verify
//	    command when the agent reported done. Every agent looper runs (task
//	    attempts, review, bootstrap, repair) goes through one call, callAgent.
//	  - Vote turns a Ballot into a Decision with Decide, a pure function of the
//	    attempts in agent order.
//	  - Merge is the only stage that writes the backlog. It takes every decision
//	    already queued, lands each winner's branch on the integration branch
//	    (one merge at a time, waiting while the user's uncommitted changes are
//	    in the way), records them all in one save, removes the worktrees that
//	    hold nothing worth keeping, and sends the outcomes on.
//	  - Sink puts each outcome on the run's event stream (its status change
//	    and outcome event) and turns it into the Completion the loop counts
//	    and hands back to select.
//	  - Loop runs a pass (one Tick), then, when everything is done, the review
//	    stage, then the PROJECT-DONE marker. Prepare, before the loop, has the
//	    bootstrap agent write a missing backlog and the repair agent fix an
//	    invalid one.
//
// Every value that leaves the last stage is reported back to select as a
// Completion, whatever the last stage is (Completer), so `looper pipe` can end
// the pipeline after vote for a dry run. Compose checks that before anything
// runs, for Loop.Run and for `looper pipe` alike.
//
// # Settings, services and run state
//
// Settings are plain values, Services what the stages call (the Store, the
// agent runner, git, prompts, the clock, the output); Registry and each
// stage constructor take both and keep no state of a run. Loop.Run makes
// the run's state (the completions edge, the event stream, the tasks
// finished, select's counts, rate-limit pauses, agents given up on, the
// checkout watch, the resume points) and hands it on with the values: the
// Tick carries it to select, and every Job select dispatches carries it to
// the stages after.
// So the same Settings and Services serve any number of registries and
// runs, and a Loop given other copies of them than its stages were built
// on still works. FromConfig builds both from looper's configuration, for a
// Go program that composes its own pipeline.
//
// # The event stream
//
// Besides the values that flow from stage to stage, a run has one stream of
// events (sinks.Event): what select started, each attempt's command and its
// agent's output line by line while it runs, warnings, votes, merges, the
// outcomes. It is the second input of the output (Services.Output, a
// sinks.Sink), and it is run state like the completions edge: Loop.Run
// opens it (sinks.OpenStream) on the Output when the run starts, hands it
// to the stages with the run's state (Tick, Job, and on to Ballot, Decision
// and Outcome) and to each agent attempt in its agent.Request, and closes
// it once every stage, attempt and report of the run has returned, so
// Output.Run ends with the run and every event was shown before Run
// returns. Prepare opens one of its own the same way. A custom stage
// reports on it through Job.Emit.
//
// The agents' output cannot travel with the values: a value leaves a
// stage when the attempt is over, and an attempt's output must be seen
// while it runs (a ten-minute attempt is not silent for ten minutes). So
// the stream is a channel beside the pipeline rather than a value in it,
// with these guarantees:
//
//   - order: one sender's events arrive in the order it sent them (an
//     attempt's events are serialised by the agent runner), and every
//     event about a job is sent before the value that carries the job
//     moves on, so a task's attempt lines come before its decision and
//     its outcome;
//   - backpressure: the stream holds a bounded number of events; past
//     that a sender waits for the output, so a slow terminal slows the
//     agents' readers instead of growing memory;
//   - no sender is left blocked: a send gives up (drops the event) once
//     the output has stopped reading, and after the stream is closed.
//     Cancelling the run does not drop events: the output keeps reading
//     after cancellation, so the wind-down of an interrupted run (the
//     tasks put back, the final counts) is still shown.
//
// A Job made outside Loop.Run belongs to no run and its events are
// dropped; the backlog Store's own warnings come from a service, outside
// any run, and go to its StoreOptions.Warn.
//
// # Failures are values
//
// An agent that crashes, hangs, is rate-limited or returns no summary gives an
// Attempt with a classified agent.Result; its vote is blocked with the reason,
// and the task ends blocked with the reason in its blockers while the run
// goes on. Only a broken pipeline is an error (a prompt that does not render,
// a backlog that cannot be saved, git failing): the run stops and the tasks
// in flight are put back as they were, as for Ctrl-C (ErrInterrupted) and
// fail_fast (ErrFailFast).
//
// # Time
//
// Every wait (the loop delay, a rate-limit pause, a parked re-queue) uses the
// standard timers through Services.Now, so the scheduler's tests run under
// testing/synctest with an in-process AgentRunner and exact virtual time.
package stages
