package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the extra commands testscript scripts can use.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"checkrecord": checkRecord,
	"waitfile":    waitFile,
	"noagents":    noAgents,
	"waitstatus":  waitStatus,
}

// agentRun is one fake-agent process as its LOOPER_FAKE_RECORD lines show it.
type agentRun struct {
	task       string
	start, end time.Time
}

// checkRecord checks the schedule the fake agents recorded:
//
//	checkrecord FILE [-max N] [-min N] [-runs N] [-after B:A]... [-order A,B,...] [-count T:N]...
//
// -max: never more than N agents at once; -min: at some moment at least N;
// -runs: N agent processes in all; -after B:A: every run of B started after
// every run of A ended; -order: first starts in exactly this order;
// -count T:N: task T ran N times.
func checkRecord(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("checkrecord does not support !")
	}
	if len(args) < 1 {
		ts.Fatalf("usage: checkrecord FILE [checks]")
	}
	runs := readRecord(ts, ts.MkAbs(args[0]))
	for i := 1; i < len(args); i += 2 {
		if i+1 >= len(args) {
			ts.Fatalf("checkrecord: %s needs a value", args[i])
		}
		flag, val := args[i], args[i+1]
		switch flag {
		case "-max", "-min":
			n, err := strconv.Atoi(val)
			ts.Check(err)
			peak := peakConcurrency(runs)
			if flag == "-max" && peak > n {
				ts.Fatalf("%d agents ran at once, more than %d", peak, n)
			}
			if flag == "-min" && peak < n {
				ts.Fatalf("at most %d agents ran at once, fewer than %d", peak, n)
			}
			ts.Logf("peak concurrency %d", peak)
		case "-runs":
			n, err := strconv.Atoi(val)
			ts.Check(err)
			if len(runs) != n {
				ts.Fatalf("%d agent runs, want %d", len(runs), n)
			}
		case "-after":
			b, a, ok := strings.Cut(val, ":")
			if !ok {
				ts.Fatalf("-after wants B:A")
			}
			for _, rb := range runs {
				for _, ra := range runs {
					if rb.task == b && ra.task == a && rb.start.Before(ra.end) {
						ts.Fatalf("%s started at %s, before %s ended at %s", b, rb.start.Format(time.StampMicro), a, ra.end.Format(time.StampMicro))
					}
				}
			}
		case "-order":
			var got []string
			for _, r := range runs {
				if !slices.Contains(got, r.task) {
					got = append(got, r.task)
				}
			}
			if want := strings.Split(val, ","); !slices.Equal(got, want) {
				ts.Fatalf("tasks started in the order %v, want %v", got, want)
			}
		case "-count":
			task, ns, _ := strings.Cut(val, ":")
			n, err := strconv.Atoi(ns)
			ts.Check(err)
			got := 0
			for _, r := range runs {
				if r.task == task {
					got++
				}
			}
			if got != n {
				ts.Fatalf("%s ran %d times, want %d", task, got, n)
			}
		default:
			ts.Fatalf("checkrecord: unknown check %s", flag)
		}
	}
}

func readRecord(ts *testscript.TestScript, path string) []agentRun {
	f, err := os.Open(path)
	ts.Check(err)
	defer f.Close()
	byPID := map[int]*agentRun{}
	var order []int
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var ev struct {
			Event  string    `json:"event"`
			PID    int       `json:"pid"`
			Time   time.Time `json:"time"`
			TaskID string    `json:"task_id"`
			Mode   string    `json:"mode"`
		}
		ts.Check(json.Unmarshal(sc.Bytes(), &ev))
		switch ev.Event {
		case "start":
			if ev.Mode != "iteration" {
				continue
			}
			byPID[ev.PID] = &agentRun{task: ev.TaskID, start: ev.Time}
			order = append(order, ev.PID)
		case "exit":
			if r, ok := byPID[ev.PID]; ok {
				r.end = ev.Time
			}
		}
	}
	ts.Check(sc.Err())
	var runs []agentRun
	for _, pid := range order {
		r := *byPID[pid]
		if r.end.IsZero() {
			r.end = time.Now() // killed: it ran until the end of the run
		}
		runs = append(runs, r)
	}
	return runs
}

// peakConcurrency is the most runs that overlapped at one moment.
func peakConcurrency(runs []agentRun) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, r := range runs {
		edges = append(edges, edge{r.start, 1}, edge{r.end, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	peak, cur := 0, 0
	for _, e := range edges {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}

// waitFile waits up to 30 seconds for a file to exist and, when a regular
// expression is given, to match it:
//
//	waitfile PATH [REGEXP]
func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile PATH [REGEXP]")
	}
	path := ts.MkAbs(args[0])
	var re *regexp.Regexp
	if len(args) == 2 {
		re = regexp.MustCompile(args[1])
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		matches, _ := filepath.Glob(path) // a run log's name is known only by its pattern
		for _, m := range matches {
			if data, err := os.ReadFile(m); err == nil && (re == nil || re.Match(data)) {
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear (or match %v) within 3 minutes", path, re)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noAgents checks that no process the fake agents recorded (agents and
// the background processes they started) is still alive:
//
//	noagents FILE
func noAgents(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: noagents FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	for line := range strings.Lines(string(data)) {
		var ev struct {
			PID int `json:"pid"`
		}
		ts.Check(json.Unmarshal([]byte(line), &ev))
		if ev.PID <= 0 {
			continue
		}
		// A SIGKILLed process can take a moment to die on a loaded machine:
		// poll with a generous deadline rather than look once.
		deadline := time.Now().Add(time.Minute)
		for alive(ev.PID) {
			if time.Now().After(deadline) {
				ts.Fatalf("agent process %d is still running", ev.PID)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether pid is a running process (a zombie, which still
// answers signal 0, is not: /proc tells it apart).
func alive(pid int) bool {
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// The state follows the command name, which may hold spaces.
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && f[0] == "Z" {
				return false
			}
		}
	}
	return syscall.Kill(pid, 0) == nil
}
