package worktree

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Reading refs from the files git keeps them in, without starting a git
// process: on a busy machine starting one costs more than the work it does,
// and looper asks for the integration tip several times per task. Only the
// plain, common layout is read (git's "files" ref backend: HEAD a symbolic
// ref to a branch, the branch a loose ref file or a line of packed-refs).
// Anything else — a detached HEAD, a symbolic branch, a reftable
// repository, a file that is not exactly what git writes, an error — makes
// the reader answer "don't know", and the caller asks git, whose answer and
// error messages are the reference.
//
// Git replaces these files by renaming a complete new file over them, so a
// read sees the old or the new content, never a mix. A ref is looked up
// loose first, then packed: git writes packed-refs before it deletes the
// loose files it packed, so a ref being packed is found in one or the
// other.

// refFiles reads refs below a repository's common git directory.
type refFiles struct {
	dir string // the common git directory; "" disables the reader
}

// newRefFiles returns a reader for the repository whose common git directory
// is dir, or a disabled one when that repository keeps its refs in a
// reftable (or dir is empty).
func newRefFiles(dir string) refFiles {
	if dir == "" {
		return refFiles{}
	}
	if _, err := os.Lstat(filepath.Join(dir, "reftable")); !errors.Is(err, fs.ErrNotExist) {
		return refFiles{}
	}
	return refFiles{dir: dir}
}

// head reads the HEAD file at path (the main worktree's is <common
// dir>/HEAD, a linked worktree's is in its own git directory) and resolves
// the branch it names. ok is false when HEAD is not a symbolic ref to a
// branch whose tip the reader can read.
func (f refFiles) head(path string) (branch, commit string, ok bool) {
	if f.dir == "" {
		return "", "", false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", false
	}
	ref, ok := parseSymref(data)
	if !ok {
		return "", "", false
	}
	branch, ok = strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		return "", "", false
	}
	commit, ok = f.resolve(ref)
	return branch, commit, ok
}

// resolve returns the object id a full ref name such as refs/heads/main
// points at, ok false when the reader cannot tell (including when the ref
// does not exist: git says why).
func (f refFiles) resolve(ref string) (string, bool) {
	if f.dir == "" || !plainRefName(ref) {
		return "", false
	}
	data, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(ref)))
	switch {
	case err == nil:
		return parseLooseRef(data)
	case !errors.Is(err, fs.ErrNotExist):
		return "", false // a directory, a permission problem: ask git
	}
	data, err = os.ReadFile(filepath.Join(f.dir, "packed-refs"))
	if err != nil {
		return "", false
	}
	oid, found, ok := findPackedRef(data, ref)
	return oid, found && ok
}

// parseSymref reads a symbolic ref file, "ref: <name>\n", and returns the
// name; ok is false for anything else (a detached HEAD holds an object id).
func parseSymref(data []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(data, []byte("ref: "))
	if !ok {
		return "", false
	}
	name, ok := bytes.CutSuffix(rest, []byte("\n"))
	if !ok || !plainRefName(string(name)) {
		return "", false
	}
	return string(name), true
}

// parseLooseRef reads a loose ref file: an object id and a newline, exactly.
func parseLooseRef(data []byte) (string, bool) {
	oid, ok := bytes.CutSuffix(data, []byte("\n"))
	if !ok || !isObjectID(string(oid)) {
		return "", false
	}
	return string(oid), true
}

// findPackedRef looks ref up in the content of a packed-refs file: an
// optional "# pack-refs with:" header, then lines "<object id> <ref>",
// each possibly followed by a "^<object id>" line (the tag it peels to).
// found says whether ref is listed; ok is false when the file is not in
// that form, and then found means nothing.
func findPackedRef(data []byte, ref string) (oid string, found, ok bool) {
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return "", false, false
	}
	first, afterRef := true, false
	for line := range bytes.Lines(data) {
		line = line[:len(line)-1]
		switch {
		case first && bytes.HasPrefix(line, []byte("# pack-refs with:")):
			afterRef = false
		case len(line) > 0 && line[0] == '^':
			if !afterRef || !isObjectID(string(line[1:])) {
				return "", false, false
			}
			afterRef = false
		default:
			id, name, cut := bytes.Cut(line, []byte(" "))
			if !cut || !isObjectID(string(id)) || len(name) == 0 || bytes.ContainsAny(name, " \x00") {
				return "", false, false
			}
			if string(name) == ref && !found {
				oid, found = string(id), true
			}
			afterRef = true
		}
		first = false
	}
	return oid, found, true
}

// plainRefName reports whether name is a full ref name below refs/ that is
// safe to read as a file: slash-separated components, none empty or
// starting with '.', none ending in ".lock", and no character git forbids
// in ref names. It is stricter than git (which is asked whenever this says
// no), never looser.
func plainRefName(name string) bool {
	rest, ok := strings.CutPrefix(name, "refs/")
	if !ok || rest == "" {
		return false
	}
	for comp := range strings.SplitSeq(rest, "/") {
		if comp == "" || comp[0] == '.' || strings.HasSuffix(comp, ".lock") || strings.HasSuffix(comp, ".") {
			return false
		}
		for i := 0; i < len(comp); i++ {
			c := comp[i]
			if c <= ' ' || c >= 0x7f || strings.IndexByte("~^:?*[\\", c) >= 0 {
				return false
			}
		}
		if strings.Contains(comp, "..") || strings.Contains(comp, "@{") {
			return false
		}
	}
	return true
}
