package todo

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
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
	taskFileSchema = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("todo.schema.json", SchemaJSON) })
	summarySchema  = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("summary.schema.json", SummarySchemaJSON) })
	reviewSchema   = sync.OnceValue(func() *jsonschema.Schema { return mustCompile("review.schema.json", ReviewSummarySchemaJSON) })
)

func mustCompile(name string, data []byte) *jsonschema.Schema {
	sch, err := compileSchema(name, data)
	if err != nil {
		panic(fmt.Sprintf("todo: bundled schema %s: %v", name, err))
	}
	return sch
}

// compileSchema compiles a draft 2020-12 schema with format assertions on,
// as upstream does, so a malformed date-time is an error.
func compileSchema(name string, data []byte) (*jsonschema.Schema, error) {
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
	return c.Compile(name)
}

var printer = message.NewPrinter(language.English)

// schemaProblems validates doc (decoded with jsonschema.UnmarshalJSON)
// against sch and turns every failing leaf into a Problem whose path names
// the offending value: an unknown field or a missing one is reported at the
// field itself.
func schemaProblems(sch *jsonschema.Schema, doc any) []Problem {
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
		at := slices.Clip(e.InstanceLocation)
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
