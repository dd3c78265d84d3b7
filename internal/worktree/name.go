package worktree

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// maxNameLen caps a sanitized name (before its hash suffix) so that
// <task>-<attempt> stays far below the 255-byte file name limit.
const maxNameLen = 64

// BranchPrefix is the ref namespace every attempt branch lives in; branches
// outside it are never created, listed or deleted by this package.
const BranchPrefix = "looper/"

// safeName turns a run or task id from the user's backlog into a name that is
// one path component and one ref component at once: bytes outside
// [A-Za-z0-9._-] become '_' (one per character), a leading '.' or '-' becomes
// '_', and ".." sequences are broken up, so the name can neither climb out of
// its directory nor be read as a flag or an invalid ref. Whenever that changed
// anything, or the name was too long or ended in a way git refuses ('.' or
// ".lock"), the first 8 hex digits of the id's SHA-256 are appended so that
// distinct ids keep distinct names ("a/b" and "a_b" differ).
func safeName(id string) string {
	var b strings.Builder
	b.Grow(len(id))
	for _, r := range id {
		if r < 0x80 && allowedByte(byte(r)) {
			b.WriteByte(byte(r))
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s != "" && (s[0] == '.' || s[0] == '-') {
		s = "_" + s[1:]
	}
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", "._")
	}
	if s == id && s != "" && len(s) <= maxNameLen && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ".lock") {
		return s
	}
	if len(s) > maxNameLen {
		s = s[:maxNameLen]
	}
	sum := sha256.Sum256([]byte(id))
	return s + "_" + hex.EncodeToString(sum[:4])
}

func allowedByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// branchName is the attempt branch for sanitized run and task names.
func branchName(run, task string, attempt int) string {
	return BranchPrefix + run + "/" + task + "/" + strconv.Itoa(attempt)
}

// dirName is the attempt directory (below .looper/worktrees/<run>/).
func dirName(task string, attempt int) string {
	return task + "-" + strconv.Itoa(attempt)
}

// parseBranch splits looper/<run>/<task>/<attempt>; ok is false for any
// other shape, so foreign branches are never mistaken for attempts.
func parseBranch(branch string) (run, task string, attempt int, ok bool) {
	rest, found := strings.CutPrefix(branch, BranchPrefix)
	if !found {
		return "", "", 0, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 1 || strconv.Itoa(n) != parts[2] {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// parseDir splits the path of an attempt directory relative to
// .looper/worktrees ("<run>/<task>-<attempt>", slash-separated).
func parseDir(rel string) (run, task string, attempt int, ok bool) {
	run, leaf, found := strings.Cut(rel, "/")
	if !found || run == "" || strings.Contains(leaf, "/") {
		return "", "", 0, false
	}
	i := strings.LastIndexByte(leaf, '-')
	if i <= 0 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(leaf[i+1:])
	if err != nil || n < 1 || strconv.Itoa(n) != leaf[i+1:] {
		return "", "", 0, false
	}
	return run, leaf[:i], n, true
}
