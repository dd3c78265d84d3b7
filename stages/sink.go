package stages

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/looper-go/looper/pipeline"
	"github.com/looper-go/looper/sinks"
	"github.com/looper-go/looper/todo"
)

// Sink is the sink stage, the end of looper's pipeline: it reports each
// outcome to the output (the task's status change and its outcome event,
// which the console, the summary table and the run log count) and turns it
// into the Completion that Loop.Run counts and hands back to select, which
// frees the task's slot. A pipeline that merges must end with it; one that
// ends earlier (a dry run) reports its last values itself.
//
// Every outcome that reaches it is recorded in the backlog already, so it
// is reported and handed on even while the run is being stopped: its sends
// are plain sends, which the runner always receives from the last stage.
func Sink(settings Settings, services Services) pipeline.Stage[Outcome, Completion] {
	d := newEnv(settings, services)
	return pipeline.Func("sink", func(ctx context.Context, in <-chan Outcome, out chan<- Completion) error {
		for o := range in {
			report(d, o)
			out <- o.completion()
		}
		return nil
	})
}

// report emits the outcome's status change and outcome events (none for
// a re-queued task, which has not ended).
func report(d *env, o Outcome) {
	j := o.Decision.Job
	if o.Retry {
		return
	}
	st := d.event(j, "merge", sinks.KindStatus)
	st.PrevStatus = string(todo.StatusDoing)
	st.Status = string(o.Status)
	st.Message = fmt.Sprintf("%s -> %s", todo.StatusDoing, o.Status)
	d.emit(j.run, st)

	e := d.event(j, "merge", sinks.KindOutcome)
	e.Status = string(o.Status)
	if o.Failed {
		e.Status = OutcomeFailed
		e.Level = slog.LevelError
	} else if o.Status == todo.StatusBlocked {
		e.Level = slog.LevelWarn
	}
	e.Votes = o.Decision.Votes
	if w := o.Decision.WinningAttempt(); w != nil {
		e.Winner = w.AgentID
		e.Class = string(w.Result.Class)
	}
	e.Files = o.Decision.Files
	e.Blockers = o.Decision.Blockers
	if !j.Started.IsZero() {
		e.Duration = d.now().Sub(j.Started)
	}
	var notes []string
	if len(o.Decision.Attempts) > 1 {
		notes = append(notes, o.Decision.Votes)
	}
	if o.Merged {
		notes = append(notes, "merged")
	}
	for _, k := range o.Kept {
		notes = append(notes, "kept "+k)
	}
	e.Message = strings.Join(notes, ", ")
	d.emit(j.run, e)
}

// OutcomeFailed is the Status of an outcome event for a task that ended
// because something failed (an agent error, a merge conflict), as opposed to
// an agent that reported the task blocked. The task itself is blocked in the
// backlog.
const OutcomeFailed = "failed"
