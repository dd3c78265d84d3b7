package fakeagent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/looper-go/looper/internal/jsonobj"
)

// The backlog edits agents are asked to make (upstream's prompts tell them
// to edit the task file with jq). They keep every key the fake does not
// touch, in its order, and write the file back with 2-space indentation.

// taskKeyOrder is the order of a task's keys in upstream's files.
var taskKeyOrder = []string{"id", "title", "description", "reference", "priority", "status", "details",
	"steps", "blockers", "tags", "files", "depends_on", "created_at", "updated_at"}

// orderedObject is a JSON object whose key order survives a round trip.
type orderedObject struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseObject(data []byte) (*orderedObject, error) {
	fields, err := jsonobj.Fields(data)
	if err != nil {
		return nil, err
	}
	o := &orderedObject{vals: map[string]json.RawMessage{}}
	for _, f := range fields {
		o.set(f.Key, f.Value)
	}
	return o, nil
}

func (o *orderedObject) set(key string, v json.RawMessage) {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

func (o *orderedObject) marshal() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(mustJSON(k))
		b.WriteByte(':')
		b.Write(o.vals[k])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// editBacklog loads the backlog, lets edit change its tasks and saves it.
func (a *agent) editBacklog(edit func(tasks []json.RawMessage) ([]json.RawMessage, error)) error {
	path := a.rc.todoPath
	if path == "" {
		return fmt.Errorf("no backlog: set LOOPER_TODO or put \"- todo_path: <path>\" in the prompt")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := parseObject(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var tasks []json.RawMessage
	if raw, ok := doc.vals["tasks"]; ok {
		if err := json.Unmarshal(raw, &tasks); err != nil {
			return fmt.Errorf("%s: tasks: %w", path, err)
		}
	}
	if tasks, err = edit(tasks); err != nil {
		return err
	}
	var arr bytes.Buffer
	arr.WriteByte('[')
	for i, t := range tasks {
		if i > 0 {
			arr.WriteByte(',')
		}
		arr.Write(t)
	}
	arr.WriteByte(']')
	doc.set("tasks", arr.Bytes())
	var out bytes.Buffer
	if err := json.Indent(&out, doc.marshal(), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// appendTasks adds tasks to the backlog, filling status (todo), priority
// (3) and the timestamps when the scenario leaves them out.
func (a *agent) appendTasks(tasks []json.RawMessage) {
	now := mustJSON(time.Now().UTC().Format(time.RFC3339))
	var ids []string
	err := a.editBacklog(func(existing []json.RawMessage) ([]json.RawMessage, error) {
		for _, raw := range tasks {
			t, err := parseObject(raw)
			if err != nil {
				return nil, fmt.Errorf("append_tasks: %w", err)
			}
			defaults := map[string]json.RawMessage{"status": mustJSON("todo"), "priority": mustJSON(3), "created_at": now, "updated_at": now}
			for k, v := range defaults {
				if _, ok := t.vals[k]; !ok {
					t.vals[k] = v
				}
			}
			t.keys = orderKeys(t.vals)
			existing = append(existing, t.marshal())
			var id string
			_ = json.Unmarshal(t.vals["id"], &id)
			ids = append(ids, id)
		}
		return existing, nil
	})
	a.backlogEdit(fmt.Sprintf("append tasks %v", ids), err)
	if err == nil {
		a.added += len(tasks)
	}
}

// setStatus changes one task's status and updated_at.
func (a *agent) setStatus(id, status string) {
	err := a.editBacklog(func(tasks []json.RawMessage) ([]json.RawMessage, error) {
		for i, raw := range tasks {
			t, err := parseObject(raw)
			if err != nil {
				return nil, err
			}
			var tid string
			if json.Unmarshal(t.vals["id"], &tid) != nil || tid != id {
				continue
			}
			t.set("status", mustJSON(status))
			t.set("updated_at", mustJSON(time.Now().UTC().Format(time.RFC3339)))
			tasks[i] = t.marshal()
			return tasks, nil
		}
		return nil, fmt.Errorf("set_status: no task %q in the backlog", id)
	})
	a.backlogEdit(fmt.Sprintf("set %s to %s", id, status), err)
}

// backlogEdit shows a backlog edit as the jq command an agent would run.
func (a *agent) backlogEdit(what string, err error) {
	out, code := "updated "+a.rc.todoPath, 0
	if err != nil {
		out, code = err.Error(), 1
		a.writeStderr("fakeagent: " + err.Error())
	}
	a.d.command(fmt.Sprintf("jq … %s  # %s", a.rc.todoPath, what), out, code)
}

// orderKeys puts known task keys in upstream's order, unknown ones after
// them, sorted.
func orderKeys(vals map[string]json.RawMessage) []string {
	var keys, rest []string
	for _, k := range taskKeyOrder {
		if _, ok := vals[k]; ok {
			keys = append(keys, k)
		}
	}
	for k := range vals {
		if !slices.Contains(taskKeyOrder, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}
