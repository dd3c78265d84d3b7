package todo

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SetStatus sets the status of the task with the given id and stamps its
// updated_at with now, as upstream's SetTaskStatus does. It fails on an
// unknown id or an invalid status.
func (b *Backlog) SetStatus(id string, st Status, now time.Time) error {
	if !st.Valid() {
		return fmt.Errorf("status %q is not one of todo, doing, blocked, done", st)
	}
	t := b.Task(id)
	if t == nil {
		return unknownTask(id)
	}
	t.Status = st
	t.UpdatedAt = NewTimestamp(now)
	return nil
}

// AddBlockers adds blockers the task does not already list (in order,
// ignoring empty strings) and stamps updated_at. It is how a failure
// (a crash, a timeout, a merge conflict) is recorded on the task, so the
// reason is in the file rather than only in a log.
func (b *Backlog) AddBlockers(id string, blockers []string, now time.Time) error {
	t := b.Task(id)
	if t == nil {
		return unknownTask(id)
	}
	t.Blockers = union(t.Blockers, blockers)
	t.UpdatedAt = NewTimestamp(now)
	return nil
}

// AddNote appends a note to the task's details (after DetailsSeparator,
// once) and stamps updated_at: how looper records what happened to a task's
// work that the status alone cannot say, such as the branch holding work it
// could not merge.
func (b *Backlog) AddNote(id, note string, now time.Time) error {
	t := b.Task(id)
	if t == nil {
		return unknownTask(id)
	}
	t.Details = appendDetails(t.Details, note)
	t.UpdatedAt = NewTimestamp(now)
	return nil
}

func unknownTask(id string) error {
	return fmt.Errorf("no task with id %q in the backlog", id)
}

// DetailsSeparator goes between the existing details of a task and an
// appended summary.
const DetailsSeparator = "\n\n"

// ApplySummary records an agent's summary on its task, as upstream's
// applySummary does with the fixes upstream needs. Exactly:
//
//   - An empty TaskID (the agent did nothing; JSON null) changes nothing.
//   - A TaskID that names no task is an error and changes nothing (upstream
//     would append a task titled with the summary text).
//   - A Status other than done, blocked or skipped is an error.
//   - done sets the status to done and clears the blockers; blocked sets it
//     to blocked; skipped leaves the status as it is, because the caller
//     knows what it was before the attempt (it set the task to doing) and
//     decides what to restore. Upstream left a skipped task doing forever.
//   - The summary text is appended to details after DetailsSeparator
//     (upstream overwrote details), unless it is empty or details already
//     end with it, so applying the same summary twice does not repeat it.
//   - Files and blockers are united with the task's, in order, without
//     duplicates or empty strings (blockers after clearing, for done).
//   - updated_at is stamped with now.
func (b *Backlog) ApplySummary(s Summary, now time.Time) error {
	if s.TaskID == "" {
		return nil
	}
	switch s.Status {
	case SummaryDone, SummaryBlocked, SummarySkipped:
	default:
		return fmt.Errorf("summary for %s: status %q is not done, blocked or skipped", s.TaskID, s.Status)
	}
	t := b.Task(s.TaskID)
	if t == nil {
		return fmt.Errorf("summary names task %q, which is not in the backlog", s.TaskID)
	}
	switch s.Status {
	case SummaryDone:
		t.Status = StatusDone
	case SummaryBlocked:
		t.Status = StatusBlocked
	}
	t.Details = appendDetails(t.Details, s.Summary)
	t.Files = union(t.Files, s.Files)
	t.Blockers = union(t.Blockers, s.Blockers)
	if s.Status == SummaryDone {
		t.Blockers = nil // a done task is blocked by nothing, whatever the agent listed
	}
	t.UpdatedAt = NewTimestamp(now)
	return nil
}

func appendDetails(details, summary string) string {
	summary = strings.TrimSpace(summary)
	switch {
	case summary == "":
		return details
	case strings.TrimSpace(details) == "":
		return summary
	case details == summary || strings.HasSuffix(details, DetailsSeparator+summary):
		return details
	}
	return details + DetailsSeparator + summary
}

// union appends to have the non-empty entries of add it lacks, in order.
func union(have, add []string) []string {
	for _, s := range add {
		if s != "" && !slices.Contains(have, s) {
			have = append(have, s)
		}
	}
	return have
}

// The done marker upstream's review pass appends when it finds nothing left
// to do; a backlog that has it is finished.
const (
	ProjectDoneID    = "PROJECT-DONE"
	ProjectDoneTag   = "project-done"
	ProjectDoneTitle = "Project done: no new tasks"
)

// ProjectDone reports whether the backlog carries the done marker: a task
// with id PROJECT-DONE or tag project-done, compared case-insensitively, as
// upstream checks.
func (b *Backlog) ProjectDone() bool {
	for _, t := range b.Tasks {
		if strings.EqualFold(t.ID, ProjectDoneID) {
			return true
		}
		for _, tag := range t.Tags {
			if strings.EqualFold(tag, ProjectDoneTag) {
				return true
			}
		}
	}
	return false
}

// AddProjectDone appends upstream's done marker (id PROJECT-DONE, status
// done, priority 5, tag project-done, created_at and updated_at now) unless
// the backlog already has one.
func (b *Backlog) AddProjectDone(now time.Time) {
	if b.ProjectDone() {
		return
	}
	ts := NewTimestamp(now)
	b.Tasks = append(b.Tasks, Task{
		ID:        ProjectDoneID,
		Title:     ProjectDoneTitle,
		Priority:  5,
		Status:    StatusDone,
		Details:   "Review found no new tasks.",
		Tags:      []string{ProjectDoneTag},
		CreatedAt: ts,
		UpdatedAt: ts,
	})
}
