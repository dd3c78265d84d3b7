package worktree

import "unicode/utf8"

// decodeRune returns the first character of s, a single byte when s does
// not start with valid UTF-8 (paths are bytes).
func decodeRune(s string) (rune, int) {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size <= 1 {
		return rune(s[0]), 1
	}
	return r, size
}

// matchClass matches r against the bracket expression at the start of pat
// ("[abc]", "[!a-z]", "[]x]"). It returns whether r is in the class, the
// pattern after it, and false for valid when the class has no closing "]".
func matchClass(pat string, r rune) (ok bool, rest string, valid bool) {
	i := 1
	negate := false
	if i < len(pat) && (pat[i] == '!' || pat[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(pat) {
		if pat[i] == ']' && !first {
			return ok != negate, pat[i+1:], true
		}
		first = false
		lo, size := classChar(pat, i)
		if size == 0 {
			return false, "", false
		}
		i += size
		hi := lo
		if i+1 < len(pat) && pat[i] == '-' && pat[i+1] != ']' {
			h, hs := classChar(pat, i+1)
			if hs == 0 {
				return false, "", false
			}
			hi = h
			i += 1 + hs
		}
		if lo <= r && r <= hi {
			ok = true
		}
	}
	return false, "", false
}

// classChar reads one character of a class at pat[i], with its escape.
func classChar(pat string, i int) (rune, int) {
	if pat[i] == '\\' {
		if i+1 >= len(pat) {
			return 0, 0
		}
		r, size := decodeRune(pat[i+1:])
		return r, size + 1
	}
	return decodeRune(pat[i:])
}
