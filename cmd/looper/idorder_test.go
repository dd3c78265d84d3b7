package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/looper-go/looper/sinks"
)

// TestLsAndSummaryTableAgreeOnTaskOrder lists one backlog with `looper ls`
// and feeds the same tasks to the summary sink: both must put the task ids
// in the same order (they once used two orders, and B3 and A5 swapped
// places between them).
func TestLsAndSummaryTableAgreeOnTaskOrder(t *testing.T) {
	ids := []string{"T10", "A5", "B3", "T2", "PROJECT-DONE", "T2x", "T01", "T1", "x10", "x9", "10", "T10a", "a1b10", "a01b3"}

	type task struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		Priority int    `json:"priority"`
		Status   string `json:"status"`
	}
	backlog := struct {
		Version int    `json:"schema_version"`
		Sources []any  `json:"source_files"`
		Tasks   []task `json:"tasks"`
	}{Version: 1, Sources: []any{}}
	for _, id := range ids {
		backlog.Tasks = append(backlog.Tasks, task{ID: id, Title: "Task " + id, Priority: 1, Status: "todo"})
	}
	data, err := json.Marshal(backlog)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "todo.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"ls", "--json", path}, &out, &errOut); code != exitOK {
		t.Fatalf("ls: exit %d: %s", code, errOut.String())
	}
	var listed struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(out.Bytes(), &listed); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, out.String())
	}
	var lsOrder []string
	for _, tk := range listed.Tasks {
		lsOrder = append(lsOrder, tk.ID)
	}

	var table bytes.Buffer
	sink, err := sinks.New(sinks.ModeSummary, sinks.Options{Out: &table})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan sinks.Event, len(ids))
	for _, id := range ids {
		events <- sinks.Event{Kind: sinks.KindOutcome, TaskID: id, Title: "Task " + id, Status: "done"}
	}
	close(events)
	if err := sink.Run(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	var tableOrder []string
	inTable := false
	for _, line := range strings.Split(table.String(), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "TASK":
			inTable = true
		case fields[0] == "TOTAL":
			inTable = false
		case inTable:
			tableOrder = append(tableOrder, fields[0])
		}
	}

	if len(lsOrder) != len(ids) || !slices.Equal(lsOrder, tableOrder) {
		t.Errorf("ls order:\n%q\nsummary table order:\n%q", lsOrder, tableOrder)
	}
	if i, j := slices.Index(lsOrder, "B3"), slices.Index(lsOrder, "A5"); i > j {
		t.Errorf("ls puts A5 before B3: %q (numbered ids sort by number)", lsOrder)
	}
}
