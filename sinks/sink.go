package sinks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// Sink consumes the one event stream of a run and shows or stores it.
type Sink interface {
	// Run reads events until the channel is closed and returns the first
	// error writing its output. It keeps reading after ctx is cancelled, so
	// that no emitter is ever left blocked and the events of an interrupted
	// run's wind-down are still shown; a cancelled ctx only marks the run as
	// interrupted in the final summary line.
	Run(ctx context.Context, events <-chan Event) error
}

// Output modes, the values of output_mode / --output-mode.
const (
	// ModeMultiplexed shows every event as it arrives, one prefixed line each.
	ModeMultiplexed = "multiplexed"
	// ModeBuffered holds each attempt's output and shows it in one block
	// when its task finishes.
	ModeBuffered = "buffered"
	// ModeSummary shows only status changes, then a table.
	ModeSummary = "summary"
)

// Console formats, the values of log_format / --log-format.
const (
	// FormatText renders events for people, in the output mode's layout.
	FormatText = "text"
	// FormatJSON prints every event as one JSON object per line, the run
	// log's encoding.
	FormatJSON = "json"
	// FormatLogfmt prints every event as one line of key=value pairs with
	// the run log's field names.
	FormatLogfmt = "logfmt"
)

// Formats lists the console formats Options.Format accepts, the default
// first, for flag enums and error messages.
func Formats() []string { return []string{FormatText, FormatJSON, FormatLogfmt} }

// Options configures a console sink. The zero value (apart from Out) shows
// info-level events as text, without time, colour or progress line.
type Options struct {
	// Out receives the output; it must not be nil.
	Out io.Writer
	// Color turns on ANSI colours. Set it from UseColor so that colour is
	// used only on a terminal and never with NO_COLOR.
	Color bool
	// Level hides events below it; slog.LevelDebug also shows raw agent
	// output and tool results.
	Level slog.Level
	// Progress shows a live progress line (multiplexed and summary modes).
	// Set it only when Out is a terminal: the line is redrawn in place.
	Progress bool
	// Total is how many tasks the run expects to finish, for the progress
	// line; KindStart and KindInfo events with a Total field update it.
	Total int
	// Width is the terminal's width in columns, so the progress line names
	// as many running tasks as fit (then "+N"); 0 or less means 80. Set it
	// from TerminalWidth.
	Width int
	// Start is when the run began, for elapsed and wall time; zero means
	// when Run was called.
	Start time.Time
	// Now tells the time; nil means time.Now. Tests fix it for exact output.
	Now func() time.Time
	// TempDir is where buffered mode spills output; "" means os.TempDir().
	TempDir string
	// SpillBytes is how much output of one attempt buffered mode holds in
	// memory before it spills to a temp file; 0 or less means 1 MiB.
	SpillBytes int64
	// Format is the console format: FormatText ("" means it) renders the
	// output mode; FormatJSON and FormatLogfmt replace it, whatever the
	// mode, with one machine-readable record per event (see the package
	// documentation), for log_format.
	Format string
	// Timestamps starts every text line with the time of its event
	// (HH:MM:SS, local time), for log_timestamps. The json and logfmt
	// formats always carry the time.
	Timestamps bool
	// Caller ends every text event with the pipeline stage that emitted
	// it, as "stage=merge" (the agent is already in the line's prefix), for
	// log_caller. The json and logfmt formats always carry the stage and
	// agent.
	Caller bool
}

// DefaultSpillBytes is the per-attempt memory buffered mode uses when
// Options.SpillBytes is not set.
const DefaultSpillBytes = 1 << 20

func (o Options) withDefaults() Options {
	if o.Out == nil {
		panic("sinks: Options.Out is nil")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.SpillBytes <= 0 {
		o.SpillBytes = DefaultSpillBytes
	}
	return o
}

// modes maps each output mode to its constructor, in the order Names lists
// them (the default first).
var modes = []struct {
	name string
	new  func(Options) Sink
}{
	{ModeMultiplexed, func(o Options) Sink { return &multiplexed{o: o} }},
	{ModeBuffered, func(o Options) Sink { return &buffered{o: o} }},
	{ModeSummary, func(o Options) Sink { return &summary{o: o} }},
}

// Names lists the output modes New accepts, the default first, for flag
// enums and error messages.
func Names() []string {
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = m.name
	}
	return names
}

// New returns the console sink for an output mode name and o.Format. It
// panics if o.Out is nil and returns an error naming the valid values for
// an unknown mode or format, since both come from the user's config or
// command line. With the json or logfmt format the mode is still checked,
// but the sink prints records instead of the mode's layout.
func New(mode string, o Options) (Sink, error) {
	o = o.withDefaults()
	var sink Sink
	for _, m := range modes {
		if m.name == mode {
			sink = m.new(o)
		}
	}
	if sink == nil {
		return nil, fmt.Errorf("unknown output mode %q: use one of %s", mode, strings.Join(Names(), ", "))
	}
	switch o.Format {
	case "", FormatText:
		return sink, nil
	case FormatJSON, FormatLogfmt:
		return &records{o: o}, nil
	}
	return nil, fmt.Errorf("unknown log format %q: use one of %s", o.Format, strings.Join(Formats(), ", "))
}

// Terminal reports whether w is a terminal, which is when a progress line
// may be drawn on it.
func Terminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// UseColor reports whether output to w should be coloured: only on a
// terminal, and never when the NO_COLOR environment variable is set
// (https://no-color.org).
func UseColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && Terminal(w)
}
