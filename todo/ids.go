package todo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CompareIDs orders task ids the way a person reads them, and returns -1, 0
// or +1 like strings.Compare. It is a total order: it returns 0 only for
// identical strings, and it is transitive for any mix of ids, so sorting with
// it is deterministic.
//
// Upstream compares ids of the form <non-digits><digits> by their number
// alone (T2 < T10, B3 < A5) and everything else as plain strings, which is
// not transitive (T2 < T10 < T10a < T2). CompareIDs keeps upstream's answer
// wherever upstream is consistent and fixes the rest:
//
//  1. Ids of the form <non-digits><digits> (upstream's numeric ids) come
//     first, ordered by their number (any length, no overflow).
//  2. Ids with the same number (T001 and T1, or A5 and B5), and all other ids,
//     are ordered naturally: runs of digits compare as numbers, other runs
//     byte-wise.
//  3. Ids that are still equal (T001 and T1 again) are ordered byte-wise,
//     so T001 < T1.
func CompareIDs(a, b string) int {
	if a == b {
		return 0
	}
	na, aNumeric := upstreamNumber(a)
	nb, bNumeric := upstreamNumber(b)
	switch {
	case aNumeric && !bNumeric:
		return -1
	case !aNumeric && bNumeric:
		return 1
	case aNumeric && bNumeric:
		if c := compareDigits(na, nb); c != 0 {
			return c
		}
	}
	if c := compareNatural(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// upstreamNumber returns the digits of an id of the form
// <non-digits><digits>, the ids upstream compares by number.
func upstreamNumber(id string) (digits string, ok bool) {
	i := 0
	for i < len(id) && !isDigit(id[i]) {
		i++
	}
	if i == len(id) {
		return "", false
	}
	for j := i; j < len(id); j++ {
		if !isDigit(id[j]) {
			return "", false
		}
	}
	return id[i:], true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// compareDigits compares two non-empty runs of ASCII digits by value.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// compareNatural splits both strings into runs of digits and runs of other
// bytes and compares them run by run: two digit runs by value, anything else
// byte-wise (a digit run then sorts between the text runs whose first byte
// is below '0' and those above '9', which keeps the order transitive).
// Numerically equal runs such as 01 and 1 compare equal here.
func compareNatural(a, b string) int {
	for a != "" && b != "" {
		ra, restA := nextRun(a)
		rb, restB := nextRun(b)
		var c int
		if isDigit(ra[0]) && isDigit(rb[0]) {
			c = compareDigits(ra, rb)
		} else {
			c = strings.Compare(ra, rb)
		}
		if c != 0 {
			return c
		}
		a, b = restA, restB
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return 1
	}
}

// nextRun splits s (non-empty) after its leading run of digits or of
// non-digits.
func nextRun(s string) (run, rest string) {
	digit := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == digit {
		i++
	}
	return s[:i], s[i:]
}

// MaxIDLength bounds a task id in bytes: ids become parts of file names
// (last-message files, worktree branches) whose total length the file system
// limits.
const MaxIDLength = 128

// CheckID reports why id cannot be used as a task id, or nil. Ids end up in
// file names, branch names and hook arguments, so an id must be a single safe
// file-name component: not empty, no path separators, no "..", no control
// characters, no leading '-' (it would read as a flag), no surrounding
// spaces, valid UTF-8, at most MaxIDLength bytes.
func CheckID(id string) error {
	const fix = "use letters, digits, '.', '_' and '-'"
	switch {
	case id == "":
		return fmt.Errorf("id is empty; give the task an id such as T001")
	case len(id) > MaxIDLength:
		return fmt.Errorf("id is %d bytes long, more than %d; use a shorter id", len(id), MaxIDLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("id %q is not valid UTF-8; %s", id, fix)
	case strings.ContainsAny(id, `/\`):
		return fmt.Errorf("id %q contains a path separator; %s", id, fix)
	case strings.Contains(id, ".."):
		return fmt.Errorf("id %q contains \"..\"; %s", id, fix)
	case id == ".":
		return fmt.Errorf("id %q names the current directory; %s", id, fix)
	case id[0] == '-':
		return fmt.Errorf("id %q starts with '-' and would read as a command-line flag; %s", id, fix)
	case strings.TrimSpace(id) != id:
		return fmt.Errorf("id %q has leading or trailing spaces; remove them", id)
	}
	for _, r := range id {
		if r == utf8.RuneError {
			return fmt.Errorf("id %q contains invalid UTF-8 (U+FFFD); %s", id, fix)
		}
		if unicode.IsControl(r) {
			return fmt.Errorf("id %q contains the control character %U; %s", id, r, fix)
		}
	}
	return nil
}
