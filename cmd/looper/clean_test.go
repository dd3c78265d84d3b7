package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

// makeRuns writes runs aged 1h, 2d, 3d, 10d and 20d, each with a
// last-message file, and returns their ids newest first.
func makeRuns(t *testing.T, logDir, root string) []string {
	t.Helper()
	var ids []string
	for i, age := range []time.Duration{time.Hour, 48 * time.Hour, 72 * time.Hour, 240 * time.Hour, 480 * time.Hour} {
		l := writeRun(t, logDir, root, day1.Add(time.Duration(-i)*time.Hour), text(0, "T1", "x"))
		os.WriteFile(l.LastMessagePath("T1-claude#1-a1"), []byte(`{"raw":"x"}`), 0o600)
		l.Close()
		when := time.Now().Add(-age)
		os.Chtimes(l.Path(), when, when)
		os.Chtimes(l.LastMessagePath("T1-claude#1-a1"), when, when)
		ids = append(ids, l.ID())
	}
	return ids
}

// remaining lists the run ids left in the project log directory.
func remaining(t *testing.T, dir string) []string {
	t.Helper()
	runs, err := sinks.ListRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
		if len(r.Files) != 2 {
			t.Errorf("run %s has files %v", r.ID, r.Files)
		}
	}
	return ids
}

func TestCleanCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		keep []int // indexes of the runs left, newest first
		gone []int // indexes of the runs listed as (to be) removed, if not the others
		out  []string
		code int
	}{
		{name: "keep", args: []string{"--keep", "2"}, keep: []int{0, 1},
			out: []string{"removed 3 runs (6 files, "}},
		{name: "age", args: []string{"--age", "7d"}, keep: []int{0, 1, 2}},
		{name: "fractional days", args: []string{"--age", "2.5d"}, keep: []int{0, 1}},
		{name: "hours", args: []string{"--age", "36h"}, keep: []int{0}},
		{name: "keep or age", args: []string{"--keep", "1", "--age", "7d"}, keep: []int{0}},
		{name: "keep zero", args: []string{"--keep", "0"}, keep: nil},
		{name: "dry run", args: []string{"--keep", "1", "--dry-run"}, keep: []int{0, 1, 2, 3, 4}, gone: []int{1, 2, 3, 4},
			out: []string{"would remove 4 runs (8 files, ", "), kept 1\n"}},
		{name: "dry run of all", args: []string{"--dry-run"}, keep: []int{0, 1, 2, 3, 4}, gone: []int{0, 1, 2, 3, 4}},
		{name: "refuses all without yes", args: nil, keep: []int{0, 1, 2, 3, 4}, code: exitUsage},
		{name: "all with yes", args: []string{"--yes"}, keep: nil},
		{name: "keep more than there are", args: []string{"--keep", "9"}, keep: []int{0, 1, 2, 3, 4},
			out: []string{"nothing to remove in ", " (5 runs)\n"}},
		{name: "bad age", args: []string{"--age", "soon"}, keep: []int{0, 1, 2, 3, 4}, code: exitUsage},
		{name: "negative keep", args: []string{"--keep", "-1"}, keep: []int{0, 1, 2, 3, 4}, code: exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, logDir := inProject(t)
			ids := makeRuns(t, logDir, root)
			code, stdout, stderr := runLooper(t.Context(), append([]string{"clean", "--log-dir", logDir}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			var want []string
			for _, i := range tc.keep {
				want = append(want, ids[i])
			}
			dir := sinks.ProjectLogDir(logDir, root)
			if got := remaining(t, dir); !slices.Equal(got, want) {
				t.Errorf("left %v, want %v\n%s", got, want, stdout)
			}
			for _, s := range tc.out {
				if !strings.Contains(stdout, s) {
					t.Errorf("output lacks %q:\n%s", s, stdout)
				}
			}
			if code == exitOK && !strings.Contains(stdout, "nothing to remove") {
				for i, id := range ids {
					gone := !slices.Contains(tc.keep, i)
					if tc.gone != nil {
						gone = slices.Contains(tc.gone, i)
					}
					if listed := strings.Contains(stdout, "remove "+id+" (2 files, ") || strings.Contains(stdout, "removed "+id+" (2 files, "); listed != gone {
						t.Errorf("run %s listed %v, removed %v:\n%s", id, listed, gone, stdout)
					}
				}
			}
		})
	}
}

// TestCleanSkipsLiveRun checks that the log of a running looper survives
// even --yes.
func TestCleanSkipsLiveRun(t *testing.T) {
	root, logDir := inProject(t)
	done := writeRun(t, logDir, root, day1, text(0, "T1", "done"))
	done.Close()
	live, err := sinks.OpenRunLog(logDir, root, day1.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	code, stdout, stderr := runLooper(t.Context(), "clean", "--log-dir", logDir, "--yes")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "skipped "+live.ID()+": a looper process is still writing it") {
		t.Errorf("live run not reported:\n%s", stdout)
	}
	if _, err := os.Stat(live.Path()); err != nil {
		t.Errorf("live run deleted: %v", err)
	}
	if _, err := os.Stat(done.Path()); !os.IsNotExist(err) {
		t.Errorf("finished run kept: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Dir(live.Path())); len(left) != 1 {
		t.Errorf("left %v", left)
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "1.5d": 36 * time.Hour, "24h": 24 * time.Hour, "30m": 30 * time.Minute,
		" 2d ": 48 * time.Hour, "1h30m": 90 * time.Minute, ".5d": 12 * time.Hour,
	} {
		if got, err := parseAge(in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "0d", "-1d", "0", "-5m", "NaNd", "Infd", "1e300d", "7", "7 days", "1w"} {
		if got, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "like 7d") {
			t.Errorf("parseAge(%q) error %q does not say what is valid", in, err)
		}
	}
}

// FuzzParseAge checks that parseAge never panics and accepts only
// positive ages.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"7d", "1.5d", "36h", "90m", "-1d", "1e308d", "0x10d", "9223372036854775807ns", "NaNd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseAge(s)
		if err == nil && d <= 0 {
			t.Fatalf("parseAge(%q) = %v without error", s, d)
		}
	})
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
