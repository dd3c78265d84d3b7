package sinks

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestProjectLogDir(t *testing.T) {
	t.Parallel()
	root := "/home/u/my project!"
	sum := sha1.Sum([]byte(root))
	want := filepath.Join("/logs", "my_project_-"+hex.EncodeToString(sum[:])[:8])
	if got := ProjectLogDir("/logs", root); got != want {
		t.Errorf("ProjectLogDir = %q, want %q", got, want)
	}
}

func TestSanitizeLabel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"T012-claude#2-a1": "T012-claude_2-a1",
		"../../etc/passwd": ".._.._etc_passwd",
		"..":               "_",
		".":                "_",
		"":                 "_",
		"iter-3":           "iter-3",
		"naïve id":         "na__ve_id",
	} {
		if got := SanitizeLabel(in); got != want {
			t.Errorf("SanitizeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenRunLog checks the upstream layout and the permissions: a 0700
// project directory named <slug>-<hash8>, a 0600 <run-id>.jsonl, and
// last-message files beside it that cannot escape it.
func TestOpenRunLog(t *testing.T) {
	t.Parallel()
	logDir := filepath.Join(t.TempDir(), "logs")
	l, err := OpenRunLog(logDir, "/work/proj", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wantID := "20250102-100000-" + strconv.Itoa(os.Getpid())
	if l.ID() != wantID {
		t.Errorf("ID = %q, want %q", l.ID(), wantID)
	}
	if l.Dir() != ProjectLogDir(logDir, "/work/proj") || !regexp.MustCompile(`/proj-[0-9a-f]{8}$`).MatchString(l.Dir()) {
		t.Errorf("Dir = %q", l.Dir())
	}
	if l.Path() != filepath.Join(l.Dir(), wantID+".jsonl") {
		t.Errorf("Path = %q", l.Path())
	}
	for path, mode := range map[string]os.FileMode{l.Dir(): 0o700 | os.ModeDir, l.Path(): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", path, st.Mode(), mode)
		}
	}
	lm := l.LastMessagePath("T1/../../x")
	if filepath.Dir(lm) != l.Dir() || filepath.Base(lm) != wantID+"-T1_.._.._x.last.json" {
		t.Errorf("LastMessagePath = %q", lm)
	}
}

// TestOpenRunLogNeverTruncates opens three logs in the same second and
// checks they get distinct ids and the first keeps its content.
func TestOpenRunLogNeverTruncates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := OpenRunLog(dir, "/p", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := runSink(t.Context(), t, first.Sink(), []Event{{Time: t0, Kind: KindInfo, Message: "first"}}); err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	var ids []string
	for range 2 {
		l, err := OpenRunLog(dir, "/p", t0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID())
		l.Close()
	}
	if ids[0] != first.ID()+"_2" || ids[1] != first.ID()+"_3" {
		t.Errorf("ids = %v after %s", ids, first.ID())
	}
	data, _ := os.ReadFile(first.Path())
	if !strings.Contains(string(data), `"content":"first"`) {
		t.Errorf("first log truncated: %q", data)
	}
}

func TestOpenRunLogErrors(t *testing.T) {
	t.Parallel()
	if _, err := OpenRunLog("", "/p", t0); err == nil || !strings.Contains(err.Error(), "log_dir") {
		t.Errorf("empty log dir: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := OpenRunLog(file, "/p", t0); err == nil || !strings.Contains(err.Error(), "writable directory") {
		t.Errorf("log dir under a file: %v", err)
	}
}

// readLog decodes every line of a run log.
func readLog(t *testing.T, path string) []Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v: %s", len(events)+1, err, sc.Bytes())
		}
		events = append(events, e)
	}
	return events
}

// TestRunLogRoundTrip writes the script and reads it back unchanged, with
// the summary embedded as a JSON object and the upstream field names.
func TestRunLogRoundTrip(t *testing.T) {
	t.Parallel()
	path := writeScriptLog(t)
	if diff := cmp.Diff(script(), readLog(t, path)); diff != "" {
		t.Errorf("log differs from the events (-want +got):\n%s", diff)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{
		`"type":"assistant_message","task_id":"T2","agent_id":"claude#1","attempt":1,"iteration":1,"content":"I'll start`,
		`"summary":{"task_id":"T2","status":"blocked"`,
		`"timestamp":"2025-01-02T10:00:00Z","level":"INFO","type":"info"`,
		`"level":"ERROR","type":"outcome"`,
		`"command":["claude","-p","--output-format","stream-json","--model","opus 4"]`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

// TestRunLogOddEvents checks that a summary that is not JSON is logged as
// a string and an event that cannot be encoded becomes an error line.
func TestRunLogOddEvents(t *testing.T) {
	t.Parallel()
	l, err := OpenRunLog(t.TempDir(), "/p", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	events := []Event{
		{Time: t0, Kind: KindSummary, TaskID: "T1", Summary: []byte("not {json")},
		{Time: t0, Kind: KindAttempt, TaskID: "T1", Usage: &Usage{CostUSD: math.NaN()}},
	}
	if err := runSink(t.Context(), t, l.Sink(), events); err != nil {
		t.Fatal(err)
	}
	got := readLog(t, l.Path())
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2", len(got))
	}
	if string(got[0].Summary) != `"not {json"` {
		t.Errorf("summary = %s", got[0].Summary)
	}
	if got[1].Kind != KindError || got[1].TaskID != "T1" || !strings.Contains(got[1].Message, "attempt event could not be logged") {
		t.Errorf("unencodable event logged as %+v", got[1])
	}
}

// TestRunLogWritesPerBatch checks that an event reaches the disk, as a
// whole line, once the sink has nothing else waiting, so a follower sees it
// without waiting for Close or for the next event. The sink may batch what
// arrives together; it may not hold back what it has.
func TestRunLogWritesPerBatch(t *testing.T) {
	t.Parallel()
	l, err := OpenRunLog(t.TempDir(), "/p", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := make(chan Event)
	done := make(chan error)
	go func() { done <- l.Sink().Run(t.Context(), ch) }()
	for i := range 10 {
		ch <- Event{Time: t0, Kind: KindText, Message: strconv.Itoa(i)}
		want := `"content":"` + strconv.Itoa(i) + `"}` + "\n"
		deadline := time.Now().Add(10 * time.Second)
		for {
			data, _ := os.ReadFile(l.Path())
			if strings.HasSuffix(string(data), want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("event %d is not on disk while the sink is idle; the log ends %q", i, data[max(0, len(data)-40):])
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(ch)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n := len(readLog(t, l.Path())); n != 10 {
		t.Errorf("%d lines, want 10", n)
	}
}
