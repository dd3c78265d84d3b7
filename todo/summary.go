package todo

// Summary is the JSON object an agent returns at the end of a task attempt:
// the contract of upstream looper's iteration prompt, unchanged, so prompts
// and agents written for upstream keep working. A null task_id decodes to "".
type Summary struct {
	// TaskID is the task the agent worked on; "" when it did nothing.
	TaskID string `json:"task_id"`
	// Status is done, blocked or skipped.
	Status string `json:"status"`
	// Summary is the agent's account of what it did.
	Summary string `json:"summary"`
	// Files lists the files the agent changed.
	Files []string `json:"files,omitempty"`
	// Blockers lists what stopped the agent, when Status is blocked.
	Blockers []string `json:"blockers,omitempty"`
}

// Summary statuses an agent may report for a task.
const (
	SummaryDone    = "done"
	SummaryBlocked = "blocked"
	SummarySkipped = "skipped"
)

// ReviewSummary is the JSON object an agent returns from the review pass,
// upstream's review contract: status "reviewed" and how many tasks it added.
type ReviewSummary struct {
	// Status is always "reviewed".
	Status string `json:"status"`
	// Summary is the reviewer's account.
	Summary string `json:"summary"`
	// AddedTasks counts the tasks the reviewer appended to the backlog.
	AddedTasks int `json:"added_tasks"`
	// Files lists the files the reviewer changed.
	Files []string `json:"files,omitempty"`
}
