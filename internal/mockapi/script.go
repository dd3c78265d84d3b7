package mockapi

import (
	"encoding/json"
	"regexp"
)

// StepKind says what a scripted model turn does.
type StepKind int

const (
	// StepWrite asks the agent to create a file (Claude's Write tool; a
	// shell printf through Codex's exec_command).
	StepWrite StepKind = iota + 1
	// StepShell asks the agent to run a shell command (Claude's Bash tool;
	// Codex's exec_command).
	StepShell
	// StepText ends the conversation with a text answer.
	StepText
)

// Step is one scripted model turn. Each turn after the first is chosen by
// the number of tool results the CLI sends back, so a script replays the
// same way however the CLI batches or retries its requests.
type Step struct {
	Kind StepKind
	// Path and Content are the file a StepWrite creates. A relative Path is
	// taken relative to the conversation's work directory.
	Path, Content string
	// Command is the shell command of a StepShell.
	Command string
	// Text is the answer of a StepText.
	Text string
}

// Write returns a step that writes content to path, so scripts read as what
// the agent does.
func Write(path, content string) Step { return Step{Kind: StepWrite, Path: path, Content: content} }

// Shell returns a step that runs command through the agent's shell tool.
func Shell(command string) Step { return Step{Kind: StepShell, Command: command} }

// Say returns a step that ends the conversation with text.
func Say(text string) Step { return Step{Kind: StepText, Text: text} }

// Summary returns a final step whose text ends with looper's summary JSON,
// the contract every looper prompt asks the agent to finish with.
func Summary(taskID, status, summary string, files []string) Step {
	if files == nil {
		files = []string{}
	}
	doc, err := json.Marshal(map[string]any{
		"task_id": taskID, "status": status, "summary": summary,
		"files": files, "blockers": []string{},
	})
	if err != nil {
		panic(err) // strings and string slices always marshal
	}
	return Say("Finished.\n" + string(doc))
}

// Reviewed returns the final step of a review pass that adds no task: the
// review contract {status: "reviewed", ...} looper's review prompt asks for.
func Reviewed() Step {
	return Say(`{"status": "reviewed", "summary": "nothing to add", "added_tasks": 0, "files": []}`)
}

// Commit returns the usual work script of a task: write a file, commit it
// with git, then report done with the summary JSON naming the file.
func Commit(taskID, path, content string) []Step {
	return []Step{
		Write(path, content),
		Shell("git add -A && git commit -q -m 'feat: " + taskID + "'"),
		Summary(taskID, "done", "wrote "+path, []string{path}),
	}
}

// Conversation is what a Matcher learns from a request's user text: which
// task it is about and where the agent works.
type Conversation struct {
	// Task identifies the conversation; empty means the request is not part
	// of a scripted conversation (a side request).
	Task string
	// Dir is the agent's working directory, used to make relative Write
	// paths absolute (Claude's Write tool wants absolute paths).
	Dir string
}

// Matcher finds the conversation in the text of a request's user messages.
// Tests that drive prompts other than looper's supply their own.
type Matcher func(userText string) Conversation

var (
	taskIDLine  = regexp.MustCompile(`(?m)^- task_id: (\S+)`)
	workDirLine = regexp.MustCompile(`(?m)^- work_dir: (\S+)`)
	reviewLine  = regexp.MustCompile(`(?m)^- mode: review$`)
)

// ReviewTask is the conversation LooperMatcher gives looper's review
// prompt, which has no task id; Script answers it with Reviewed unless its
// Steps say otherwise.
const ReviewTask = "review"

// LooperMatcher reads the "- task_id:" and "- work_dir:" context lines that
// every looper prompt ends with (a "- mode: review" prompt is ReviewTask);
// it is the default Matcher.
func LooperMatcher(userText string) Conversation {
	var c Conversation
	if m := taskIDLine.FindStringSubmatch(userText); m != nil {
		c.Task = m[1]
	} else if reviewLine.MatchString(userText) {
		c.Task = ReviewTask
	}
	if m := workDirLine.FindStringSubmatch(userText); m != nil {
		c.Dir = m[1]
	}
	return c
}

// RegexpMatcher returns a Matcher that takes the task from the first
// submatch of re (or the whole match when re has no group), for prompts
// that are not looper's.
func RegexpMatcher(re *regexp.Regexp) Matcher {
	return func(userText string) Conversation {
		m := re.FindStringSubmatch(userText)
		switch {
		case m == nil:
			return Conversation{}
		case len(m) > 1:
			return Conversation{Task: m[1]}
		default:
			return Conversation{Task: m[0]}
		}
	}
}

// Fault replaces the answer to a model request with a failure, so tests can
// see how the CLI and looper react to each kind of API trouble.
type Fault struct {
	// Status is the HTTP status to answer with (401, 403, 429, 500, 529);
	// 0 with Stall set streams a partial answer instead.
	Status int
	// RetryAfter, when set, is sent as the retry-after header (seconds).
	RetryAfter string
	// Stall sends the first events of a normal stream, then hangs until the
	// client goes away or the server closes.
	Stall bool
	// Times is how many consecutive requests get this fault; 0 means every
	// request from here on.
	Times int
}

// Script is what a server answers: the steps of each conversation, the
// faults that come first, and the usage it reports.
type Script struct {
	// Steps returns the turns of the conversation about task. A request
	// whose tool-result count is past the end gets the last step again.
	// Nil means every conversation just answers with a done summary.
	Steps func(task string) []Step
	// Match finds the conversation; nil means LooperMatcher.
	Match Matcher
	// Faults apply in order to the model requests the server receives,
	// side requests included, before any answer.
	Faults []Fault
	// Usage is reported for every scripted answer; SideUsage for side
	// requests. Zero values get small fixed defaults (DefaultUsage).
	Usage, SideUsage Usage
}

// Usage is the token counts a response reports. Tests sum the usage the
// server recorded to check that looper reads tokens exactly.
type Usage struct {
	Input         int `json:"input_tokens"`
	Output        int `json:"output_tokens"`
	CacheCreation int `json:"cache_creation_input_tokens"`
	CacheRead     int `json:"cache_read_input_tokens"`
}

// DefaultUsage is what scripted answers report when the Script sets none;
// the numbers are distinct so a test can tell which field went where.
var DefaultUsage = Usage{Input: 1200, Output: 85, CacheCreation: 300, CacheRead: 40}

// defaultSideUsage is what side answers report when the Script sets none.
var defaultSideUsage = Usage{Input: 50, Output: 5}

func (s *Script) steps(task string) []Step {
	if s.Steps != nil {
		if steps := s.Steps(task); len(steps) > 0 {
			return steps
		}
	}
	if task == ReviewTask {
		return []Step{Reviewed()}
	}
	return []Step{Summary(task, "done", "nothing to do", nil)}
}

func (s *Script) match(text string) Conversation {
	if s.Match != nil {
		return s.Match(text)
	}
	return LooperMatcher(text)
}

// fault returns the fault for the n-th model request (0-based), if any.
func (s *Script) fault(n int) (Fault, bool) {
	for _, f := range s.Faults {
		if f.Times == 0 || n < f.Times {
			return f, true
		}
		n -= f.Times
	}
	return Fault{}, false
}
