package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/looper-go/looper/sinks"
)

// outputMB is the size of the stream BenchmarkOutput pipes through the
// runner: go test ./internal/agent -run '^$' -bench Output -output-mb 200.
var outputMB = flag.Int("output-mb", 0, "MB of stream-json BenchmarkOutput pipes through the runner (0: 200, or 16 with -short)")

// writeStream writes about size bytes of Claude stream-json in ~1 KB
// lines to path, in the proportions of a real session: assistant text
// (several lines of prose), tool calls, tool results holding code,
// thinking, and a closing result with the summary. It returns the size.
func writeStream(path string, size int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	b := bufio.NewWriterSize(f, 1<<20)
	n := 0
	prose := "I'll update the handler so that it returns a 404 when the task id is unknown, " +
		"then run the tests again. The \"store\" keeps its lock while it saves.\n" +
		"Next: check the error path of `Save` and the fsync of the directory."
	code := "func (s *Store) Save(ctx context.Context) error {\n\tif err := s.lock(); err != nil {\n\t\treturn fmt.Errorf(\"lock: %w\", err)\n\t}\n\tdefer s.unlock()\n\treturn writeAtomic(s.path, s.data)\n}\n"
	meta := `"parent_tool_use_id":null,"session_id":"6170607e-7232-407c-82c3-7fc983d60064"`
	msg := func(i int, role, content string) string {
		return fmt.Sprintf(`{"type":%q,"message":{"model":"claude-sonnet-4-5-20250929","id":"msg_%024d","type":"message","role":%q,"content":[%s],"stop_reason":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":%d,"cache_read_input_tokens":17713,"output_tokens":%d,"service_tier":"standard"}},%s,"uuid":"268b2d2e-e6c1-4bd9-9e0d-%012d"}`,
			role, i, role, content, i%9000, i%700, meta, i)
	}
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	b.WriteString(`{"type":"system","subtype":"init","cwd":"/home/user/project","session_id":"6170607e-7232-407c-82c3-7fc983d60064","model":"claude-sonnet-4-5-20250929","permissionMode":"bypassPermissions"}` + "\n")
	for i := 0; n < size; i++ {
		var line string
		switch i % 10 {
		case 0, 1, 2, 3: // text
			line = msg(i, "assistant", fmt.Sprintf(`{"type":"text","text":%s}`, str(fmt.Sprintf("Step %d. %s %s", i, prose, prose[:200]))))
		case 4, 5: // a tool call
			line = msg(i, "assistant", fmt.Sprintf(`{"type":"tool_use","id":"toolu_%020d","name":"Bash","input":{"command":"go test ./stages -run TestSave -count=1 -v 2>&1 | tail -40","description":"Run the store's save tests (%d) again after the change to the lock, and show the last lines"}}`, i, i))
		case 6, 7, 8: // its result
			line = msg(i, "user", fmt.Sprintf(`{"tool_use_id":"toolu_%020d","type":"tool_result","content":%s,"is_error":false}`, i-2, str(code+code+code[:150])))
		case 9: // thinking
			line = msg(i, "assistant", fmt.Sprintf(`{"type":"thinking","thinking":%s,"signature":"EuYBCkYICBgCKkD%d"}`, str("The save path takes the lock first; if fsync fails the temp file must go.\n"+prose), i))
		}
		b.WriteString(line)
		b.WriteByte('\n')
		n += len(line) + 1
	}
	_, _ = b.WriteString(`{"type":"result","subtype":"success","is_error":false,"duration_ms":2915,"num_turns":4,"result":"Done.\n{\"task_id\":\"T012\",\"status\":\"done\",\"summary\":\"saved\",\"files\":[],\"blockers\":[]}","session_id":"6170607e-7232-407c-82c3-7fc983d60064","total_cost_usd":0.0123,"usage":{"input_tokens":4,"cache_creation_input_tokens":100,"cache_read_input_tokens":17713,"output_tokens":80}}` + "\n")
	if err := b.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// readKiB returns a field of /proc/self/status in KiB, or -1.
func readKiB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// BenchmarkOutput is issue 17's output measure end to end: a real process
// (cat of a generated file, a generic agent reading format = claude)
// prints ~1 KB stream-json lines; agent.Runner reads and parses them and
// emits every event through a bounded channel into a Tee of the
// multiplexed console sink (writing to io.Discard) and the JSONL run log,
// wired as cmd/looper's openSession does. It reports throughput in MB/s of
// agent output, the same per second of this process's CPU time (which
// other load on the machine changes less), the run log's size over the
// agent's bytes, and the growth of peak RSS (VmHWM, reset through
// /proc/self/clear_refs).
//
//	go test ./internal/agent -run '^$' -bench Output -benchtime 3x -output-mb 200
func BenchmarkOutput(b *testing.B) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		b.Skip("no cat")
	}
	mb := *outputMB
	if mb <= 0 {
		mb = 200
		if testing.Short() {
			mb = 16
		}
	}
	dir := b.TempDir()
	stream := filepath.Join(dir, "stream.jsonl")
	size, err := writeStream(stream, mb<<20)
	if err != nil {
		b.Fatal(err)
	}
	spec := Spec{Name: "cat", Binary: cat, Args: []string{stream}, Format: FormatClaude, Grace: time.Second}
	req := Request{TaskID: "T012", AgentID: "claude#1", Attempt: 1, Iteration: 1, Stage: "agents", Dir: dir, Contract: ContractTask}
	b.SetBytes(size)
	var logBytes, rssGrowth int64
	var cpu time.Duration
	for b.Loop() {
		cpuBefore := cpuTime()
		runtime.GC()
		resetPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
		rssBefore := readKiB("VmRSS")
		logDir := b.TempDir()
		runLog, err := sinks.OpenRunLog(logDir, dir, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		console, err := sinks.New(sinks.ModeMultiplexed, sinks.Options{Out: discard{}, Start: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		events := make(chan sinks.Event, 1024) // cmd/looper's eventBuffer
		out := sinks.Tee(console, runLog.Sink())
		done := make(chan error, 1)
		go func() { done <- out.Run(context.Background(), events) }()
		r := Runner{Emit: func(e sinks.Event) {
			if e.Time.IsZero() {
				e.Time = time.Now()
			}
			events <- e
		}}
		res := r.Run(b.Context(), spec, req)
		close(events)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if err := runLog.Close(); err != nil {
			b.Fatal(err)
		}
		if res.Class != ClassOK {
			b.Fatalf("class %s: %s", res.Class, res.Err)
		}
		st, err := os.Stat(runLog.Path())
		if err != nil {
			b.Fatal(err)
		}
		logBytes = st.Size()
		cpu += cpuTime() - cpuBefore
		if hwm := readKiB("VmHWM"); resetPeak && hwm > 0 && rssBefore > 0 {
			rssGrowth = max(rssGrowth, hwm-rssBefore)
		}
		os.RemoveAll(logDir)
	}
	b.ReportMetric(float64(logBytes)/float64(size), "log/agent-bytes")
	b.ReportMetric(float64(rssGrowth)/1024, "MiB-rss-growth")
	b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
}

// cpuTime is the CPU time this process has used (user and system), the
// measure that other work on the machine does not change much.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discard is io.Discard without its ReadFrom, as a terminal would be.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
