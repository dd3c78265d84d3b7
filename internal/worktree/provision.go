package worktree

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// includePaths lists the untracked files and directories of the main tree
// that inc selects, relative to Root: those to copy and those to link.
// Git lists what is untracked (ignored files included, wholly untracked
// directories as one entry); a directory no pattern names as a whole is
// looked into only when a pattern could match inside it, so a big
// directory (node_modules) is walked only when no pattern names it.
// .git and looper's worktrees are never selected.
func (r *Repo) includePaths(ctx context.Context, inc *Include) (copies, links []string, err error) {
	if inc.Empty() {
		return nil, nil, nil
	}
	out, err := gitRead(ctx, r.root, "ls-files", "-z", "--others", "--directory", "--no-empty-directory")
	if err != nil {
		return nil, nil, fmt.Errorf("list untracked files for %s: %w", IncludeFile, err)
	}
	var walk func(p string, isDir bool) error
	walk = func(p string, isDir bool) error {
		if p == ".git" || path.Base(p) == ".git" || under(p, worktreesDir) {
			return nil
		}
		if in, link := inc.Match(p, isDir); in && !under(worktreesDir, p) {
			if link {
				links = append(links, p)
			} else {
				copies = append(copies, p)
			}
			return nil
		}
		if !isDir || !inc.couldMatchInside(strings.Split(p, "/")) {
			return nil
		}
		entries, err := os.ReadDir(filepath.Join(r.root, filepath.FromSlash(p)))
		if err != nil {
			return fmt.Errorf("%s: look into %s: %w", IncludeFile, p, err)
		}
		for _, e := range entries {
			if err := walk(p+"/"+e.Name(), e.IsDir()); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range splitNUL(out) {
		if err := walk(strings.TrimSuffix(e, "/"), strings.HasSuffix(e, "/")); err != nil {
			return nil, nil, err
		}
	}
	slices.Sort(copies)
	slices.Sort(links)
	return copies, links, nil
}

// linkInto creates, in dir, a symbolic link to each path of the main tree
// (relative to Root), with an absolute target, and returns the links made.
// A path the worktree already has is left alone. The links are created
// through os.Root, so none can be placed outside the worktree.
func (r *Repo) linkInto(dir string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	if err := r.excludeLinks(paths); err != nil {
		return nil, err
	}
	dst, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("link into %s: %w", dir, err)
	}
	defer dst.Close()
	var made []string
	for _, p := range paths {
		if _, err := dst.Lstat(p); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("link %s into %s: %w", p, dir, err)
		}
		if parent := path.Dir(p); parent != "." {
			if err := dst.MkdirAll(parent, 0o755); err != nil {
				return nil, fmt.Errorf("link %s into %s: %w", p, dir, err)
			}
		}
		target := filepath.Join(r.root, filepath.FromSlash(p))
		if err := dst.Symlink(target, p); err != nil {
			return nil, fmt.Errorf("link %s into %s: %w", p, dir, err)
		}
		made = append(made, p)
	}
	return made, nil
}

// provision brings what .worktreeinclude names into a new worktree: the
// copies through copyInto (as [worktree] copy does), the links through
// linkInto. It returns the paths it put there, which CommitAll never
// stages.
func (r *Repo) provision(ctx context.Context, dir string) ([]string, error) {
	inc, err := LoadInclude(r.root)
	if err != nil {
		return nil, err
	}
	copies, links, err := r.includePaths(ctx, inc)
	if err != nil {
		return nil, err
	}
	copied, err := r.copyInto(dir, copies)
	if err != nil {
		return nil, err
	}
	linked, err := r.linkInto(dir, links)
	if err != nil {
		return nil, err
	}
	return append(copied, linked...), nil
}

// withIncluded adds to copies the paths .worktreeinclude provisions, so
// that a resumed worktree's copies and links are not committed as work.
// A .worktreeinclude that cannot be read adds nothing here; provision
// reports it.
func (r *Repo) withIncluded(ctx context.Context, copies []string) []string {
	inc, err := LoadInclude(r.root)
	if err != nil {
		return copies
	}
	more, links, err := r.includePaths(ctx, inc)
	if err != nil {
		return copies
	}
	return slices.Concat(copies, more, links)
}

// notIgnored returns the paths git does not ignore in dir: a copied file
// that .gitignore ignores needs no exclusion from git add, and naming it in
// an exclude pathspec makes git add fail ("paths are ignored").
func notIgnored(ctx context.Context, dir string, paths []string) []string {
	if len(paths) == 0 {
		return nil
	}
	out, err := gitRead(ctx, dir, append([]string{"-c", "core.quotePath=false", "check-ignore", "--"}, paths...)...)
	if err != nil && exitCode(err) != 1 { // 1: none is ignored
		return paths
	}
	ignored := strings.Split(strings.TrimSpace(string(out)), "\n")
	return slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return slices.Contains(ignored, p) })
}

// linksHeader starts the lines of info/exclude that hide the links.
const linksHeader = "# looper: links .worktreeinclude makes in attempt worktrees"

// excludeLinks makes git ignore the links in every worktree: a pattern such
// as "node_modules/" matches only directories, and a link is a file to git,
// so an agent's "git add -A" would commit the link. Each path is added
// once to the repository's info/exclude, anchored ("/node_modules"); in the
// main tree it names the untracked directory the links point at.
func (r *Repo) excludeLinks(paths []string) error {
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	file := filepath.Join(r.commonDir, "info", "exclude")
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", file, err)
	}
	have := map[string]bool{}
	for l := range strings.SplitSeq(string(data), "\n") {
		have[strings.TrimSpace(l)] = true
	}
	var add strings.Builder
	for _, p := range paths {
		line := "/" + escapePattern(p)
		if !have[line] {
			if !have[linksHeader] {
				add.WriteString(linksHeader + "\n")
				have[linksHeader] = true
			}
			add.WriteString(line + "\n")
			have[line] = true
		}
	}
	if add.Len() == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("add links to %s: %w", file, err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("add links to %s: %w", file, err)
	}
	text := add.String()
	if len(data) > 0 && data[len(data)-1] != '\n' {
		text = "\n" + text
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("add links to %s: %w", file, err)
	}
	return nil
}

// escapePattern writes a path as a gitignore pattern matching exactly it.
func escapePattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*', '?', '[', ']', '\\', '!', '#', ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
