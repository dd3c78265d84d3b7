// Package stages is looper's run loop: the domain stages that the generic
// pipeline engine chains, the backlog's single writer, and the loop that runs
// passes of the pipeline until the backlog is done.
//
// # The data flow
//
//		Tick → select → Job → execute → Ballot → vote → Decision → merge → Outcome
//		         ▲                                                            │
//		         └──────────────────── Completion ◄───────────────────────────┘
//
//	  - Select owns a todo.ReadySet built from the backlog at the start of each
//	    pass. It dispatches the best ready task whenever fewer than MaxTasks are
//	    in flight (continuous dispatch: no waves), marks it doing through the
//	    Store, and learns from the completions channel when a task has left the
//	    pipeline, which frees its slot and may make its dependants ready. A task
//	    that finished in this run is never offered again, except for the retries
//	    Retries allows and the re-queues merge asks for (a conflict, a rate
//	    limit).
//	  - Execute fans out by task (a conc pool of MaxTasks) and, inside each
//	    task, by agent (runAgents: MaxAgents attempts, each with its own label,
//	    last-message file and working directory; at once in worktrees, one
//	    after another in place). An attempt renders its prompt (a render error
//	    stops the run, it is never sent to an agent), runs the agent, runs the
//	    hook, commits and measures what the agent left in its worktree, and runs
//	    the verify command when the agent reported done.
//	  - Vote turns a Ballot into a Decision with Decide, a pure function of the
//	    attempts in agent order.
//	  - Merge is the only stage that writes the backlog. It takes every decision
//	    already queued, lands each winner's branch on the integration branch
//	    (one merge at a time, waiting while the user's uncommitted changes are
//	    in the way), records them all in one save, removes the worktrees that
//	    hold nothing worth keeping, and emits the outcomes.
//	  - Loop runs a pass (one Tick), then, when everything is done, a review
//	    pass, then the PROJECT-DONE marker. Prepare, before the loop, has the
//	    bootstrap agent write a missing backlog and the repair agent fix an
//	    invalid one.
//
// Every value that leaves the last stage is reported back to select as a
// Completion, whatever the last stage is (Completer), so `looper pipe` can end
// the pipeline after vote for a dry run.
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
// standard timers through Deps.Now, so the scheduler's tests run under
// testing/synctest with an in-process AgentRunner and exact virtual time.
package stages
