package sinks

import (
	"io"

	"golang.org/x/sys/unix"
)

// TerminalWidth returns the width in columns of the terminal w writes to,
// or 0 when w is not a terminal or its size is unknown, for
// Options.Width: the progress line then names as many running tasks as
// fit instead of wrapping.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !Terminal(w) {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
