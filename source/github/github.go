// Package github reads a repository's open GitHub issues into looper's
// backlog through the gh CLI, with the user's own gh authentication, and
// writes back when a task's work lands: a comment with the agent's summary
// and the commit, and, when asked, the issue closed.
//
// Each open issue (optionally only those with a label or in a milestone)
// is a task with the issue number as its id, the title, and the body as
// its description. Priority comes from a P0-P4 label (looper's 1-5) or a
// priority:critical/high/medium/low label (1-4); unlabelled issues are 3.
// Dependencies come from GitHub's issue dependencies ("blocked by", the
// REST endpoint /repos/{owner}/{repo}/issues/{n}/dependencies/blocked_by)
// and sub-issues (/issues/{n}/sub_issues: a parent waits for its open
// sub-issues). A closed blocker is satisfied; an issue blocked by an open
// issue looper does not see (filtered out, or in another repository) is
// held: left out of the backlog, since it cannot start.
package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/looper-go/looper/todo"
)

// DefaultTimeout bounds one gh call when Source.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Source is one repository's issues. Repo is required; the zero values of
// the other fields read every open issue, comment on done, and never close.
type Source struct {
	// Repo is OWNER/NAME.
	Repo string
	// Label and Milestone filter the issues looper works on ("" = any).
	Label, Milestone string
	// Close closes an issue when its task is done (after the comment).
	Close bool
	// Gh is the gh executable ("" = gh on PATH).
	Gh string
	// Dir is where gh and git run: the project, whose HEAD is the commit
	// named in a done comment.
	Dir string
	// Timeout bounds each gh call (0 = DefaultTimeout).
	Timeout time.Duration
}

// Name is the source's name in --backlog github:OWNER/REPO.
func (s *Source) Name() string { return "github" }

// String returns github:OWNER/REPO, how messages name the backlog.
func (s *Source) String() string { return "github:" + s.Repo }

var repoName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$`)

// CheckRepo reports why repo is not OWNER/NAME.
func CheckRepo(repo string) error {
	if !repoName.MatchString(repo) {
		return fmt.Errorf("%q is not a GitHub repository; write OWNER/NAME, as in github:octo/hello", repo)
	}
	return nil
}

// issue is the part of gh's issue JSON looper reads.
type issue struct {
	Number    int    `json:"number"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	State     string `json:"state"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	Labels    []struct {
		Name string `json:"name"`
	} `json:"labels"`
}

// related is an issue as the REST API lists it under dependencies and
// sub-issues.
type related struct {
	Number        int    `json:"number"`
	State         string `json:"state"`
	RepositoryURL string `json:"repository_url"`
}

// Fetch lists the open issues and their dependencies.
func (s *Source) Fetch(ctx context.Context) (*todo.Backlog, error) {
	if err := CheckRepo(s.Repo); err != nil {
		return nil, err
	}
	args := []string{"issue", "list", "--repo", s.Repo, "--state", "open", "--limit", "1000",
		"--json", "number,title,body,state,labels,createdAt,updatedAt"}
	if s.Label != "" {
		args = append(args, "--label", s.Label)
	}
	if s.Milestone != "" {
		args = append(args, "--milestone", s.Milestone)
	}
	out, err := s.gh(ctx, args...)
	if err != nil {
		return nil, err
	}
	var list []issue
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("github:%s: gh issue list printed something that is not an issue list: %w", s.Repo, err)
	}
	slices.SortFunc(list, func(a, b issue) int { return a.Number - b.Number })
	open := map[int]bool{}
	for _, is := range list {
		open[is.Number] = true
	}
	b := &todo.Backlog{SchemaVersion: todo.SchemaVersion, Tasks: []todo.Task{}}
	held := map[string]bool{}
	var problems []todo.Problem
	for _, is := range list {
		id := strconv.Itoa(is.Number)
		t := todo.Task{ID: id, Title: strings.TrimSpace(is.Title), Description: strings.TrimSpace(is.Body),
			Priority: priority(is.Labels), Status: todo.StatusTodo, Reference: fmt.Sprintf("https://github.com/%s/issues/%d", s.Repo, is.Number)}
		t.CreatedAt, t.UpdatedAt = stamp(is.CreatedAt), stamp(is.UpdatedAt)
		for _, kind := range []string{"dependencies/blocked_by", "sub_issues"} {
			rel, err := s.related(ctx, is.Number, kind)
			if err != nil {
				return nil, err
			}
			for _, r := range rel {
				local := r.RepositoryURL == "" || strings.HasSuffix(strings.ToLower(r.RepositoryURL), "/repos/"+strings.ToLower(s.Repo))
				switch {
				case r.State == "closed":
				case local && open[r.Number]:
					t.DependsOn = append(t.DependsOn, strconv.Itoa(r.Number))
				default:
					held[id] = true
				}
			}
		}
		if t.Title == "" {
			problems = append(problems, todo.NewProblem(nil, "issue #%d: the title is empty; give the issue a title", is.Number))
		}
		b.Tasks = append(b.Tasks, t)
	}
	if ve, ok := b.Validate().(*todo.ValidationError); ok {
		for _, p := range ve.Problems {
			where := ""
			if ptr := p.Pointer(); len(ptr) >= 2 && ptr[0] == "tasks" {
				i, _ := strconv.Atoi(ptr[1])
				where = "issue #" + b.Tasks[i].ID + ": "
			}
			problems = append(problems, todo.NewProblem(nil, "%s%s", where, p.Message))
		}
	}
	if len(problems) > 0 {
		return nil, &todo.ValidationError{File: s.String(), Problems: problems}
	}
	for changed := true; changed; {
		changed = false
		for _, t := range b.Tasks {
			if held[t.ID] {
				continue
			}
			for _, d := range t.DependsOn {
				if held[d] {
					held[t.ID], changed = true, true
					break
				}
			}
		}
	}
	b.Tasks = slices.DeleteFunc(b.Tasks, func(t todo.Task) bool { return held[t.ID] })
	return b, nil
}

// related lists an issue's blocked-by issues or sub-issues, every page.
func (s *Source) related(ctx context.Context, n int, kind string) ([]related, error) {
	out, err := s.gh(ctx, "api", fmt.Sprintf("repos/%s/issues/%d/%s", s.Repo, n, kind), "--paginate")
	if err != nil {
		return nil, err
	}
	all, err := decodePages(out)
	if err != nil {
		return nil, fmt.Errorf("github:%s: gh api %s of #%d printed something that is not a list of issues: %w", s.Repo, kind, n, err)
	}
	return all, nil
}

// decodePages decodes what gh api --paginate prints for a list: one JSON
// array per page, one after the other.
func decodePages(out []byte) ([]related, error) {
	var all []related
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var page []related
		if err := dec.Decode(&page); errors.Is(err, io.EOF) {
			return all, nil
		} else if err != nil {
			return nil, err
		}
		all = append(all, page...)
	}
}

var priorityLabel = regexp.MustCompile(`(?i)^(?:priority[:/ -]*)?p([0-4])$|^priority[:/ -]*(critical|urgent|high|medium|low)$`)

// priority reads P0-P4 and priority:* labels; the highest one wins.
func priority(labels []struct {
	Name string `json:"name"`
}) int {
	best := 0
	for _, l := range labels {
		m := priorityLabel.FindStringSubmatch(strings.TrimSpace(l.Name))
		p := 0
		switch {
		case m == nil:
			continue
		case m[1] != "":
			p = int(m[1][0]-'0') + 1
		default:
			p = map[string]int{"critical": 1, "urgent": 1, "high": 2, "medium": 3, "low": 4}[strings.ToLower(m[2])]
		}
		if best == 0 || p < best {
			best = p
		}
	}
	if best == 0 {
		return 3
	}
	return best
}

func stamp(s string) todo.Timestamp {
	if _, err := todo.Timestamp(s).Time(); err != nil {
		return ""
	}
	return todo.Timestamp(s)
}

// Push writes what changed from before to after: a done task gets a
// comment with what was added to its details (the agent's summary) and the
// project's HEAD commit, and is closed when Close is set; a task that
// became blocked gets a comment with its blockers. Other changes (doing,
// back to todo) stay local: GitHub has no status for them.
func (s *Source) Push(ctx context.Context, before, after *todo.Backlog) error {
	var errs []error
	for i := range after.Tasks {
		t := &after.Tasks[i]
		n, err := strconv.Atoi(t.ID)
		old := before.Task(t.ID)
		if err != nil || old == nil || old.Status == t.Status {
			continue
		}
		switch t.Status {
		case todo.StatusDone:
			body := "looper finished this task."
			if sum := added(old.Details, t.Details); sum != "" {
				body += "\n\n" + sum
			}
			if commit := s.head(ctx); commit != "" {
				body += "\n\nCommit: " + commit
			}
			if s.Close {
				_, err = s.gh(ctx, "issue", "close", strconv.Itoa(n), "--repo", s.Repo, "--comment", body)
			} else {
				_, err = s.gh(ctx, "issue", "comment", strconv.Itoa(n), "--repo", s.Repo, "--body", body)
			}
		case todo.StatusBlocked:
			body := "looper could not finish this task."
			for _, bl := range t.Blockers {
				body += "\n- " + bl
			}
			if sum := added(old.Details, t.Details); sum != "" {
				body += "\n\n" + sum
			}
			_, err = s.gh(ctx, "issue", "comment", strconv.Itoa(n), "--repo", s.Repo, "--body", body)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// added is what after appended to before (the summary looper recorded).
func added(before, after string) string {
	if rest, ok := strings.CutPrefix(after, before); ok {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(after)
}

// head is the project's HEAD commit, or "" outside git.
func (s *Source) head(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = s.Dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func (s *Source) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// gh runs the gh CLI and returns its standard output; a failure says what
// gh printed on standard error, which is where it explains (no auth, no
// such repository).
func (s *Source) gh(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	bin := s.Gh
	if bin == "" {
		bin = "gh"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = s.Dir
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if errors.Is(err, exec.ErrNotFound) {
			msg = "install the GitHub CLI (https://cli.github.com) and run gh auth login"
		}
		return nil, fmt.Errorf("github:%s: gh %s: %v: %s", s.Repo, strings.Join(args[:min(2, len(args))], " "), err, msg)
	}
	return out, nil
}
