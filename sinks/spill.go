package sinks

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// spillBuffer holds one block of output: in memory up to limit bytes (and
// while the blocks sharing its budget hold less than the budget's max in
// memory), then in a temp file, so that agents printing without end cost
// disk space, not memory. The temp file is unlinked as soon as it is
// created (where the system allows it), so even a killed looper leaves
// nothing behind.
type spillBuffer struct {
	limit  int64
	dir    string
	budget *memBudget // nil: no limit beyond limit
	mem    []byte
	f      *os.File
	fw     *bufio.Writer
	name   string // the temp file, when it could not be unlinked while open
	n      int64  // bytes held
}

// memBudget is the memory all the blocks of one sink may hold together.
type memBudget struct{ used, max int64 }

func (m *memBudget) fits(n int64) bool { return m == nil || m.used+n <= m.max }

func (m *memBudget) add(n int64) {
	if m != nil {
		m.used += n
	}
}

func (b *spillBuffer) Write(p []byte) (int, error) {
	if b.f == nil {
		if n := int64(len(p)); int64(len(b.mem))+n <= b.limit && b.budget.fits(n) {
			b.mem = append(b.mem, p...)
			b.n += n
			b.budget.add(n)
			return len(p), nil
		}
		if err := b.spill(); err != nil {
			return 0, err
		}
	}
	n, err := b.fw.Write(p)
	b.n += int64(n)
	return n, err
}

// spill moves the memory part to a new temp file.
func (b *spillBuffer) spill() error {
	f, err := os.CreateTemp(b.dir, "looper-held-*")
	if err != nil {
		return fmt.Errorf("cannot spill held output to disk: %w (point TMPDIR at a writable directory)", err)
	}
	name := ""
	if os.Remove(f.Name()) != nil {
		name = f.Name()
	}
	fw := bufio.NewWriterSize(f, 64<<10)
	if _, err := fw.Write(b.mem); err != nil {
		f.Close()
		if name != "" {
			os.Remove(name)
		}
		return fmt.Errorf("cannot spill held output to %s: %w", f.Name(), err)
	}
	b.budget.add(-int64(len(b.mem)))
	b.f, b.fw, b.name, b.mem = f, fw, name, nil
	return nil
}

// Len returns how many bytes are held.
func (b *spillBuffer) Len() int64 { return b.n }

// WriteTo writes everything held to w, in order, and empties the buffer,
// removing its temp file. After a failed write to the temp file it still
// writes what the file holds.
func (b *spillBuffer) WriteTo(w io.Writer) (int64, error) {
	defer b.release()
	if b.f == nil {
		n, err := w.Write(b.mem)
		return int64(n), err
	}
	ferr := b.fw.Flush()
	if _, err := b.f.Seek(0, io.SeekStart); err != nil {
		return 0, errors.Join(ferr, err)
	}
	n, err := io.Copy(w, b.f)
	return n, errors.Join(ferr, err)
}

// release drops what is held and removes the temp file.
func (b *spillBuffer) release() {
	b.budget.add(-int64(len(b.mem)))
	if b.f != nil {
		b.f.Close()
		if b.name != "" {
			os.Remove(b.name)
		}
	}
	*b = spillBuffer{limit: b.limit, dir: b.dir, budget: b.budget}
}
