package watch

import (
	"context"
	"errors"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/looper-go/looper/sinks"
)

// DefaultInterval is how often the view reads the run's state again.
const DefaultInterval = 500 * time.Millisecond

// Options configures Run.
type Options struct {
	// Load returns the run's status now, or why there is none (no run
	// yet); it is called from the view's goroutine. It must not be nil.
	Load func() (*sinks.RunStatus, error)
	// Interval is how often Load is called; 0 or less means
	// DefaultInterval.
	Interval time.Duration
	// In and Out are the terminal; nil means the process's own.
	In  io.Reader
	Out io.Writer
	// Location sets the clock times shown; nil means time.Local.
	Location *time.Location
}

// Run shows the view full screen until the user quits or ctx is
// cancelled, which is no error.
func Run(ctx context.Context, o Options) error {
	if o.Load == nil {
		return errors.New("watch: Options.Load is nil")
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}
	if o.In != nil {
		opts = append(opts, tea.WithInput(o.In))
	}
	if o.Out != nil {
		opts = append(opts, tea.WithOutput(o.Out))
	}
	_, err := tea.NewProgram(newModel(o), opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// model is the view's state: the newest status read and the screen size.
type model struct {
	o             Options
	st            *sinks.RunStatus
	err           error
	width, height int
}

// loaded carries a status read from Load.
type loaded struct {
	st  *sinks.RunStatus
	err error
}

// tick asks for the next read.
type tick struct{}

func newModel(o Options) *model { return &model{o: o, width: 80, height: 24} }

func (m *model) load() tea.Msg {
	st, err := m.o.Load()
	return loaded{st, err}
}

func (m *model) Init() tea.Cmd { return m.load }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			return m, tea.Quit
		}
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case loaded:
		if msg.st != nil || m.st == nil {
			m.st, m.err = msg.st, msg.err
		}
		return m, tea.Tick(m.o.Interval, func(time.Time) tea.Msg { return tick{} })
	case tick:
		return m, m.load
	}
	return m, nil
}

func (m *model) View() string {
	return Render(m.st, m.err, m.width, m.height, m.o.Location)
}
