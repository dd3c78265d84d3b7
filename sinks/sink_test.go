package sinks

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	t.Parallel()
	if got := Names(); !slices.Equal(got, []string{"multiplexed", "buffered", "summary"}) {
		t.Errorf("Names() = %q", got)
	}
	for _, name := range Names() {
		if s, err := New(name, Options{Out: &bytes.Buffer{}}); err != nil || s == nil {
			t.Errorf("New(%q) = %v, %v", name, s, err)
		}
	}
}

func TestNewUnknownMode(t *testing.T) {
	t.Parallel()
	_, err := New("fancy", Options{Out: &bytes.Buffer{}})
	if err == nil || err.Error() != `unknown output mode "fancy": use one of multiplexed, buffered, summary` {
		t.Errorf("New(fancy) = %v", err)
	}
}

func TestNewNilOutPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Out is nil") {
			t.Errorf("recovered %v", r)
		}
	}()
	New(ModeSummary, Options{})
}

// TestColorDetection checks that a pipe is no terminal, so output
// redirected to a file or a pager gets no escape sequences.
func TestColorDetection(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if Terminal(w) || UseColor(w) {
		t.Error("a pipe counted as a terminal")
	}
	if Terminal(&bytes.Buffer{}) {
		t.Error("a buffer counted as a terminal")
	}
}
