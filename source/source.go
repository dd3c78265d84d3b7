// Package source is where looper's backlog comes from when it is not
// looper's own to-do.json: a tracker the team already keeps (Task Master's
// tasks.json, Beads' issues.jsonl, a repository's GitHub issues), read
// into looper's task model and written back in the tracker's own words.
//
// A file tracker is a Format: the Store (stages) keeps its lock, watches
// the file, and saves atomically, asking the Format to parse the bytes and
// to patch looper's changes into them as a minimal diff. A tracker reached
// by a program is a Remote, fetched once and told of each change.
package source

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/looper-go/looper/source/beads"
	"github.com/looper-go/looper/source/github"
	"github.com/looper-go/looper/source/taskmaster"
	"github.com/looper-go/looper/todo"
)

// Format is a tracker's task file: how its bytes become looper's backlog,
// and how looper's changes go back into them.
type Format interface {
	// Name is the format's name as --backlog spells it.
	Name() string
	// Parse reads the file's bytes (name is for messages); problems with
	// the content come back as a *todo.ValidationError with positions.
	Parse(name string, data []byte) (*todo.Backlog, error)
	// Patch returns data with b's changes written in, keeping every byte
	// it need not change; data itself when nothing differs.
	Patch(data []byte, b *todo.Backlog, now time.Time) ([]byte, error)
}

// Remote is a tracker looper reaches through a program (gh) rather than a
// file.
type Remote interface {
	// Name is the source's name as --backlog spells it.
	Name() string
	// Fetch reads the tasks.
	Fetch(ctx context.Context) (*todo.Backlog, error)
	// Push tells the tracker what changed from before to after.
	Push(ctx context.Context, before, after *todo.Backlog) error
}

// Native is looper's own to-do.json: todo.Parse and todo's layout. A save
// rewrites the whole file in that layout, as looper always has.
type Native struct{}

// Name is "todo".
func (Native) Name() string { return "todo" }

// Parse is todo.Parse.
func (Native) Parse(name string, data []byte) (*todo.Backlog, error) { return todo.Parse(name, data) }

// Patch is b.Marshal: the file is looper's own.
func (Native) Patch(_ []byte, b *todo.Backlog, _ time.Time) ([]byte, error) { return b.Marshal() }

// The kinds of source --backlog names.
const (
	KindTodo       = "todo"
	KindTaskMaster = "taskmaster"
	KindBeads      = "beads"
	KindGitHub     = "github"
)

// Options are the settings of the sources that have some.
type Options struct {
	// Tag is the Task Master tag ("" = the current tag in
	// .taskmaster/state.json, else master).
	Tag string
	// Label and Milestone filter GitHub issues; Close closes an issue when
	// its task is done.
	Label, Milestone string
	Close            bool
}

// Backlog is an opened source: a file with its Format, or a Remote.
type Backlog struct {
	// Kind is one of the Kind constants.
	Kind string
	// Path is the file (for a Remote, the file whose lock stops a second
	// looper on the same tracker from this project).
	Path string
	// Format reads and writes the file; nil for a Remote.
	Format Format
	// Remote is the tracker; nil for a file.
	Remote Remote
}

// String names the backlog in messages: its path, or github:OWNER/REPO.
func (b *Backlog) String() string {
	if s, ok := b.Remote.(fmt.Stringer); ok {
		return s.String()
	}
	return b.Path
}

// Open parses a --backlog value (taskmaster:PATH, beads:PATH,
// github:OWNER/REPO, todo:PATH, or a bare path) for the project in dir.
// PATH may be the tracker's directory or the project ("taskmaster:." finds
// .taskmaster/tasks/tasks.json).
func Open(spec, dir string, o Options) (*Backlog, error) {
	kind, arg, ok := strings.Cut(spec, ":")
	if !ok || len(kind) == 1 { // a bare path, or C:\ on Windows
		kind, arg = KindTodo, spec
	}
	switch kind {
	case KindTodo:
		return &Backlog{Kind: KindTodo, Path: abs(dir, arg), Format: Native{}}, nil
	case KindTaskMaster:
		path := find(abs(dir, arg), taskmaster.DefaultPath)
		tag := o.Tag
		if tag == "" {
			tag = currentTag(path)
		}
		return &Backlog{Kind: kind, Path: path, Format: taskmaster.Format{Tag: tag}}, nil
	case KindBeads:
		return &Backlog{Kind: kind, Path: find(abs(dir, arg), beads.DefaultPath), Format: beads.Format{}}, nil
	case KindGitHub:
		if err := github.CheckRepo(arg); err != nil {
			return nil, err
		}
		lock := filepath.Join(dir, ".looper", "github-"+strings.ReplaceAll(arg, "/", "-"))
		return &Backlog{Kind: kind, Path: lock, Remote: &github.Source{Repo: arg, Label: o.Label, Milestone: o.Milestone, Close: o.Close, Dir: dir}}, nil
	}
	return nil, fmt.Errorf("unknown backlog source %q in %q; use taskmaster:PATH, beads:PATH, github:OWNER/REPO or a to-do.json path", kind, spec)
}

// Detect names the tracker the project in dir keeps its tasks in, as a
// --backlog value, when it has no to-do.json of its own: Task Master's
// tasks.json, else Beads' issues.jsonl. It returns "" when there is
// neither.
func Detect(dir string) string {
	for _, c := range []struct{ kind, rel string }{{KindTaskMaster, taskmaster.DefaultPath}, {KindBeads, beads.DefaultPath}} {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(c.rel))); err == nil && fi.Mode().IsRegular() {
			return c.kind + ":" + filepath.Join(dir, filepath.FromSlash(c.rel))
		}
	}
	return ""
}

// Load reads the backlog as it is now, for commands that only look at it
// (ls, validate): a missing file is an fs.ErrNotExist error.
func (b *Backlog) Load(ctx context.Context) (*todo.Backlog, error) {
	if b.Remote != nil {
		return b.Remote.Fetch(ctx)
	}
	if b.Kind == KindTodo {
		return todo.Load(b.Path)
	}
	fi, err := os.Stat(b.Path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory; name the %s file", b.Path, b.Kind)
	}
	if fi.Size() > todo.MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes, larger than the %d MiB a backlog may be; check the path", b.Path, fi.Size(), todo.MaxFileSize>>20)
	}
	data, err := os.ReadFile(b.Path)
	if err != nil {
		return nil, err
	}
	return b.Format.Parse(b.Path, data)
}

func abs(dir, p string) string {
	if p == "" {
		p = "."
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// find resolves a path that names a directory: the project (rel inside
// it) or the tracker's own directory (.taskmaster, .taskmaster/tasks,
// .beads), to the tracker's file.
func find(p, rel string) string {
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() {
		return p
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		c := filepath.Join(p, filepath.Join(parts[i:]...))
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c
		}
	}
	return filepath.Join(p, filepath.FromSlash(rel))
}

// currentTag is the tag Task Master's state.json (beside the tasks
// directory) says is current, or "" when there is none to read.
func currentTag(tasksPath string) string {
	data, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(tasksPath)), "state.json"))
	if err != nil {
		return ""
	}
	var st struct {
		CurrentTag string `json:"currentTag"`
	}
	if jsonErr := json.Unmarshal(data, &st); jsonErr != nil {
		return ""
	}
	return st.CurrentTag
}

// Named reports whether spec names a tracker (taskmaster:, beads:,
// github: or todo:) rather than being a plain to-do.json path.
func Named(spec string) bool {
	kind, _, ok := strings.Cut(spec, ":")
	switch kind {
	case KindTodo, KindTaskMaster, KindBeads, KindGitHub:
		return ok
	}
	return false
}
