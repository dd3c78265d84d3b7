// Package shellquote writes strings the way a POSIX shell reads them back
// as single words. looper never runs anything through a shell; it quotes
// for people (commands shown in logs, instructions to paste) and for the
// shell scripts it writes (the demo's, the fake agents'), and every one of
// those needs the same rule, so it lives here once.
package shellquote

import "strings"

// Quote single-quotes s, so that a POSIX shell reads it back as one word
// whatever it contains: each ' inside becomes '\” (close the quote, an
// escaped quote, reopen).
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join renders argv the way a person would type it: words made only of
// letters, digits and -_./=:,+@%# stay bare (unless they start with #,
// which would begin a comment), the others (and empty ones) are quoted
// with Quote, so that pasting the line runs the same argv.
func Join(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && a[0] != '#' && strings.IndexFunc(a, needsQuote) < 0 {
			b.WriteString(a)
			continue
		}
		b.WriteString(Quote(a))
	}
	return b.String()
}

// needsQuote reports whether r makes a word need quotes.
func needsQuote(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("-_./=:,+@%#", r)
}
