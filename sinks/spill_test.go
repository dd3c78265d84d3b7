package sinks

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestSpillBuffer writes past the limit and checks that the data comes
// back whole and in order, that the temp file is gone even while data is
// held (unlinked on creation), and that the buffer is empty afterwards.
func TestSpillBuffer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := &spillBuffer{limit: 100, dir: dir}
	var want bytes.Buffer
	for i := range 50 {
		line := strings.Repeat(string(rune('a'+i%26)), i) + "\n"
		want.WriteString(line)
		if _, err := b.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if b.f == nil {
		t.Fatal("did not spill past the limit")
	}
	if len(b.mem) != 0 {
		t.Errorf("%d bytes still in memory after spilling", len(b.mem))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temp file visible while held: %v", left)
	}
	if b.Len() != int64(want.Len()) {
		t.Errorf("Len = %d, want %d", b.Len(), want.Len())
	}
	var got bytes.Buffer
	if n, err := b.WriteTo(&got); err != nil || n != int64(want.Len()) {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
	if got.String() != want.String() {
		t.Error("spilled data came back changed")
	}
	if b.f != nil || b.Len() != 0 {
		t.Error("buffer not released")
	}
	// The released buffer is reusable.
	b.Write([]byte("again"))
	got.Reset()
	b.WriteTo(&got)
	if got.String() != "again" {
		t.Errorf("reused buffer gave %q", got.String())
	}
}

func TestSpillBufferCannotSpill(t *testing.T) {
	t.Parallel()
	b := &spillBuffer{limit: 4, dir: "/nonexistent/dir"}
	b.Write([]byte("abc"))
	n, err := b.Write([]byte("defg"))
	if err == nil || n != 0 || !strings.Contains(err.Error(), "TMPDIR") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	var got bytes.Buffer
	b.WriteTo(&got)
	if got.String() != "abc" {
		t.Errorf("held data = %q, want %q", got.String(), "abc")
	}
}

// TestSpillBudget checks that blocks sharing a budget spill once together
// they would hold more than it in memory, and give memory back when shown.
func TestSpillBudget(t *testing.T) {
	t.Parallel()
	budget := &memBudget{max: 100}
	a := &spillBuffer{limit: 80, dir: t.TempDir(), budget: budget}
	b := &spillBuffer{limit: 80, dir: t.TempDir(), budget: budget}
	a.Write(make([]byte, 60))
	b.Write(make([]byte, 30))
	if a.f != nil || b.f != nil || budget.used != 90 {
		t.Fatalf("spilled too early: used %d", budget.used)
	}
	b.Write(make([]byte, 20)) // 110 > 100: b spills, with what it held
	if b.f == nil || budget.used != 60 {
		t.Fatalf("b did not spill: used %d", budget.used)
	}
	var out bytes.Buffer
	a.WriteTo(&out)
	b.WriteTo(&out)
	if out.Len() != 110 || budget.used != 0 {
		t.Errorf("wrote %d bytes, %d still counted", out.Len(), budget.used)
	}
}
