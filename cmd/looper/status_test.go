package main

import (
	"regexp"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// waitStatus runs `looper status --json` until its output matches a
// regular expression, for up to 60 seconds: the state file follows the run
// within a second, so a script polls rather than sleeps.
//
//	waitstatus REGEXP
func waitStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitstatus REGEXP")
	}
	re := regexp.MustCompile(args[0])
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := ts.Exec("looper", "status", "--json")
		out := ts.ReadFile("stdout")
		if err == nil && re.MatchString(out) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("looper status did not match %s within 60s; last output:\n%s%s", re, out, ts.ReadFile("stderr"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
