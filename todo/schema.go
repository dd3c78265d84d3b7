package todo

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaJSON is the bundled JSON schema (draft 2020-12) of the task file.
// It includes upstream's newer description and reference fields, so every
// file valid against upstream's older schema is valid against it too.
// `looper init` writes it beside the backlog for editors and agents.
//
//go:embed schema/todo.schema.json
var SchemaJSON []byte

// SummarySchemaJSON is the schema of the summary an agent returns after a
// task attempt: upstream's summary contract.
//
//go:embed schema/summary.schema.json
var SummarySchemaJSON []byte

// ReviewSummarySchemaJSON is the schema of the summary an agent returns
// from the review pass: upstream's review contract.
//
//go:embed schema/review.schema.json
var ReviewSummarySchemaJSON []byte

// compiled schemas, built on first use; a bundled schema that does not
// compile is a bug in this package, so it panics.
var (
	taskFileSchema = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("todo.schema.json", SchemaJSON, "") })
	taskSchema     = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("todo.schema.json", SchemaJSON, "#/$defs/task") })
	summarySchema  = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("summary.schema.json", SummarySchemaJSON, "") })
	reviewSchema   = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("review.schema.json", ReviewSummarySchemaJSON, "") })
)

func mustCompile(name string, data []byte, fragment string) *jsonschema.Schema {
	sch, err := compileSchema(name, data, fragment)
	if err != nil {
		panic(fmt.Sprintf("todo: bundled schema %s%s: %v", name, fragment, err))
	}
	return sch
}

// compileSchema compiles a draft 2020-12 schema (or the part of it at
// fragment) with format assertions on, as upstream does, so a malformed
// date-time is an error.
func compileSchema(name string, data []byte, fragment string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		return nil, err
	}
	return c.Compile(name + fragment)
}

// splitTasks is the number of tasks from which taskFileProblems validates
// the tasks in parallel.
const splitTasks = 512

// taskFileProblems validates a decoded task file against the bundled
// schema. Validation is most of the cost of loading a large backlog and the
// schema has no constraint across tasks, so from minSplit tasks on, the
// file without its tasks and each task (against the schema's task
// definition) are validated separately, the tasks spread over the CPUs.
// The problems are the same as a single validation's. What plainly
// satisfies the schema (schemafast.go) skips the general validator.
func taskFileProblems(doc any, minSplit int) []Problem {
	root, ok := doc.(map[string]any)
	tasks, isArray := root["tasks"].([]any)
	if !ok || !isArray || len(tasks) < minSplit {
		if plainlyValidFile(doc) {
			return nil
		}
		return schemaProblems(taskFileSchema(), doc, nil)
	}
	var problems []Problem
	if !plainlyValidShell(root) {
		shell := maps.Clone(root)
		shell["tasks"] = []any{}
		problems = schemaProblems(taskFileSchema(), shell, nil)
	}

	workers := max(1, min(runtime.GOMAXPROCS(0), len(tasks)/(minSplit/2+1)))
	found := make([][]Problem, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			sch := taskSchema()
			for i := w * len(tasks) / workers; i < (w+1)*len(tasks)/workers; i++ {
				if plainlyValidTask(tasks[i]) {
					continue
				}
				found[w] = append(found[w], schemaProblems(sch, tasks[i], []string{"tasks", strconv.Itoa(i)})...)
			}
		})
	}
	wg.Wait()
	for _, ps := range found {
		problems = append(problems, ps...)
	}
	return problems
}

var printer = message.NewPrinter(language.English)

// schemaProblems validates doc (decoded by decodeTree) against sch and
// turns every failing leaf into a Problem whose path (after prefix) names
// the offending value: an unknown field or a missing one is reported at the
// field itself.
func schemaProblems(sch *jsonschema.Schema, doc any, prefix []string) []Problem {
	err := sch.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Message: err.Error()}}
	}
	var out []Problem
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				leaves(c)
			}
			return
		}
		at := slices.Clip(append(slices.Clip(prefix), e.InstanceLocation...))
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, f := range k.Missing {
				out = append(out, problemAt(append(at, f), "missing required field %q", f))
			}
		case *kind.AdditionalProperties:
			for _, f := range k.Properties {
				out = append(out, problemAt(append(at, f), "unknown field %q; remove it or correct its spelling", f))
			}
		case *kind.MinLength:
			if k.Want == 1 {
				out = append(out, problemAt(at, "must not be empty"))
				break
			}
			out = append(out, problemAt(at, "%s", k.LocalizedString(printer)))
		case *kind.Minimum:
			out = append(out, problemAt(at, "must be at least %s, got %s", k.Want.RatString(), k.Got.RatString()))
		case *kind.Maximum:
			out = append(out, problemAt(at, "must be at most %s, got %s", k.Want.RatString(), k.Got.RatString()))
		case *kind.Type:
			out = append(out, problemAt(at, "wrong type: got %s, want %s", k.Got, strings.Join(k.Want, " or ")))
		default:
			out = append(out, problemAt(at, "%s", e.ErrorKind.LocalizedString(printer)))
		}
	}
	leaves(ve)
	return out
}

// CheckSchemaFile validates the backlog at path against an extra schema
// file the user configured (upstream's schema_file), on top of the bundled
// checks Load makes. Problems come back as a *ValidationError with their
// positions; a schema that cannot be read or compiled is an error naming
// it.
func CheckSchemaFile(path, schemaPath string) error {
	schemaData, err := os.ReadFile(schemaPath)
	if err != nil {
		return fmt.Errorf("reading the schema_file: %w", err)
	}
	sch, err := compileSchema(schemaPath, schemaData, "")
	if err != nil {
		return fmt.Errorf("schema_file %s does not compile: %w; fix it, or unset schema_file to use the bundled schema only", schemaPath, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, _, syntax := parseJSON(data)
	if syntax != nil {
		return &ValidationError{File: path, Problems: []Problem{*syntax}}
	}
	problems := schemaProblems(sch, doc, nil)
	if len(problems) == 0 {
		return nil
	}
	for i := range problems {
		problems[i].Message += " [schema_file " + schemaPath + "]"
	}
	locate(data, problems)
	sortProblems(problems)
	return &ValidationError{File: path, Problems: problems}
}
