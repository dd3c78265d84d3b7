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
//
//	  - Select owns a todo.ReadySet built from the backlog at the start of each
//	    pass. It dispatches the best ready task whenever fewer than MaxTasks are
//	    in flight (continuous dispatch: no waves), marks it doing through the
//	    Store, and learns from the completions channel its Tick carries when a
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
//	  - Sink reports each outcome to the output and turns it into the
//	    Completion the loop counts and hands back to select.
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
// the run's state (the completions edge, the tasks finished, select's
// counts, rate-limit pauses, agents given up on, the checkout watch, the
// resume points) and hands it on with the values: the Tick carries it to
// select, and every Job select dispatches carries it to the stages after.
// So the same Settings and Services serve any number of registries and
// runs, and a Loop given other copies of them than its stages were built
// on still works. FromConfig builds both from looper's configuration, for a
// Go program that composes its own pipeline.
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
