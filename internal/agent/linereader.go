package agent

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader splits an agent's output into lines of any length up to a cap.
// bufio.Scanner is not used because its default 64 KiB token limit breaks
// on real agent output (one Claude tool_result can be megabytes) and it
// stops for good at the first oversized line. lineReader keeps the first
// max bytes of an oversized line, reports how long the line really was and
// carries on with the next one, so an agent can never crash or stall the
// reader; its memory stays bounded by max.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its "\n" (and "\r"), and the length
// the line had when it was longer than max and got truncated (0
// otherwise). A last line without a newline is returned like any other; after
// it next returns io.EOF (or the read error that ended the stream). The
// returned slice is valid until the following call: a line that is whole
// in the read buffer is returned from there, without a copy.
func (lr *lineReader) next() (line []byte, truncatedFrom int, err error) {
	chunk, rerr := lr.r.ReadSlice('\n')
	if rerr == nil && len(chunk)-1 <= lr.max {
		return bytes.TrimSuffix(chunk[:len(chunk)-1], []byte{'\r'}), 0, nil
	}
	return lr.slow(chunk, rerr)
}

// slow is next for a line that is not whole in the read buffer, or too
// long: it gathers the line's chunks in buf, the first being chunk, which
// ReadSlice returned with rerr.
func (lr *lineReader) slow(chunk []byte, rerr error) (line []byte, truncatedFrom int, err error) {
	lr.buf = lr.buf[:0]
	total := 0
	for first := true; ; first = false {
		if !first {
			chunk, rerr = lr.r.ReadSlice('\n')
		}
		total += len(chunk)
		if room := lr.max + 1 - len(lr.buf); room > 0 {
			lr.buf = append(lr.buf, chunk[:min(room, len(chunk))]...)
		}
		if errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		if rerr != nil && total == 0 {
			return nil, 0, rerr
		}
		n := total
		if rerr == nil { // ends in '\n'
			n--
			if len(lr.buf) > 0 && lr.buf[len(lr.buf)-1] == '\n' {
				lr.buf = lr.buf[:len(lr.buf)-1]
			}
		}
		if n > lr.max {
			lr.buf = lr.buf[:lr.max]
			return lr.buf, n, nil
		}
		lr.buf = bytes.TrimSuffix(lr.buf, []byte{'\r'})
		return lr.buf, 0, nil
	}
}
