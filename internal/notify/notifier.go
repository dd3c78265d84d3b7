package notify

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/sourcegraph/conc"

	"github.com/looper-go/looper/sinks"
)

// Defaults of Options.
const (
	// DefaultQueue is how many messages may wait for delivery.
	DefaultQueue = 64
	// DefaultTries is how often a webhook is tried for one message.
	DefaultTries = 5
	// DefaultBackoff is the wait before the first retry; each retry
	// doubles it, up to MaxBackoff.
	DefaultBackoff = time.Second
	// MaxBackoff caps the wait between retries.
	MaxBackoff = 30 * time.Second
	// DefaultTimeout bounds one webhook request or one command.
	DefaultTimeout = 10 * time.Second
	// DefaultFlush bounds how long Close waits for the queue.
	DefaultFlush = 15 * time.Second
)

// Options configures a Notifier. Webhook or Command must be set for it to
// send anything; the other fields have working zero values.
type Options struct {
	// On lists the events to send (Event* names); empty means none.
	On []string
	// Webhook is the URL each message is POSTed to; "" means none.
	Webhook string
	// Command is a shell command run with each message on stdin; ""
	// means none.
	Command string
	// Dir is the command's working directory; "" means the current one.
	Dir string
	// Project and RunID are copied into every message.
	Project, RunID string
	// Warn reports what could not be delivered; nil drops the reports.
	// It is never called with the Notifier's lock held, so it may emit
	// an event that reaches Observe again.
	Warn func(msg string)
	// Queue is how many messages may wait; 0 or less means DefaultQueue.
	Queue int
	// Tries is how often the webhook is tried per message; 0 or less
	// means DefaultTries.
	Tries int
	// Backoff is the first wait between tries, doubling after each, at
	// most MaxBackoff; 0 or less means DefaultBackoff.
	Backoff time.Duration
	// Timeout bounds one request or command run; 0 or less means
	// DefaultTimeout.
	Timeout time.Duration
	// Flush bounds how long Close waits for undelivered messages; 0 or
	// less means DefaultFlush.
	Flush time.Duration
	// Client sends the webhook requests; nil means a plain http.Client
	// (each request is bounded by Timeout).
	Client *http.Client
}

// Notifier turns a run's events into Messages and delivers them. Observe
// may be called from any goroutine; it never blocks on delivery. A nil
// *Notifier is valid and sends nothing, for runs without [notify] targets.
type Notifier struct {
	o  Options
	on map[string]bool

	mu     sync.Mutex
	state  *sinks.RunState
	closed bool

	lanes  []*lane // one per target, so a hanging webhook never holds up the command
	ctx    context.Context
	cancel context.CancelFunc
	worker conc.WaitGroup
}

// lane is one target's queue: the webhook's or the command's.
type lane struct {
	name    string
	queue   chan Message
	deliver func(m Message, body []byte) error
}

// New returns a Notifier for o and starts its delivery goroutine, or nil
// when o has no webhook and no command or sends no event. Close stops it.
func New(o Options) *Notifier {
	if (o.Webhook == "" && o.Command == "") || len(o.On) == 0 {
		return nil
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Tries <= 0 {
		o.Tries = DefaultTries
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Flush <= 0 {
		o.Flush = DefaultFlush
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	n := &Notifier{o: o, on: make(map[string]bool), state: sinks.NewRunState()}
	for _, ev := range o.On {
		n.on[ev] = true
	}
	if o.Webhook != "" {
		n.lanes = append(n.lanes, &lane{name: "webhook", queue: make(chan Message, o.Queue), deliver: n.post})
	}
	if o.Command != "" {
		n.lanes = append(n.lanes, &lane{name: "command", queue: make(chan Message, o.Queue), deliver: n.run})
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	for _, l := range n.lanes {
		n.worker.Go(func() { n.deliverAll(l) })
	}
	return n
}

// Observe takes one event of the run: it counts towards the finished
// message, and one that the configured events name is queued for
// delivery. A full queue drops the message with a warning.
func (n *Notifier) Observe(e sinks.Event) {
	if n == nil {
		return
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.state.Observe(e)
	m, ok := fromEvent(e)
	if !ok || !n.on[m.Event] {
		n.mu.Unlock()
		return
	}
	m.Project, m.RunID = n.o.Project, n.o.RunID
	var full []string
	for _, l := range n.lanes {
		select {
		case l.queue <- m:
		default:
			full = append(full, l.name)
		}
	}
	n.mu.Unlock()
	for _, name := range full {
		n.o.Warn(fmt.Sprintf("notify: %d notifications are waiting for the %s; the %q notification (%s) is dropped for it", n.o.Queue, name, m.Event, m.Text))
	}
}

// Close sends the finished message (when configured), with the run's
// result, then waits for the queue to be delivered, at most Options.Flush:
// past it the delivery in progress is abandoned and what is left is
// dropped with a warning. interrupted says the run was stopped. Events
// observed after Close are ignored. Closing twice is a no-op.
func (n *Notifier) Close(interrupted bool) {
	if n == nil {
		return
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	deadline := time.NewTimer(n.o.Flush)
	defer deadline.Stop()
	var finish *Message
	if n.on[EventFinished] {
		now := time.Now()
		st := n.state.Snapshot(now, nil, true, interrupted)
		text := st.Result
		if text == "" {
			text = "looper: the run ended before any task ran"
		}
		finish = &Message{Event: EventFinished, Time: now.UTC(), Project: n.o.Project, RunID: n.o.RunID,
			Text: text, Result: st.Result, Counts: &st.Counts, Interrupted: interrupted}
	}
	n.mu.Unlock()
	for _, l := range n.lanes {
		if finish != nil && n.ctx.Err() == nil {
			select {
			case l.queue <- *finish:
			case <-deadline.C:
				n.cancel()
			}
		}
		close(l.queue)
	}
	done := make(chan struct{})
	go func() {
		n.worker.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-deadline.C:
		n.cancel()
		<-done
	}
	n.cancel()
}

// deliverAll delivers a lane's messages one by one until its queue is
// closed; once the flush bound cancelled the context, it drops the rest.
func (n *Notifier) deliverAll(l *lane) {
	var dropped []string
	for m := range l.queue {
		if n.ctx.Err() != nil {
			dropped = append(dropped, m.Event)
			continue
		}
		body, err := encode(m)
		if err == nil {
			err = l.deliver(m, body)
		}
		if err != nil {
			n.o.Warn(fmt.Sprintf("notify: the %q notification (%s) was not delivered to the %s: %v", m.Event, m.Text, l.name, err))
		}
	}
	if len(dropped) > 0 {
		slices.Sort(dropped)
		n.o.Warn(fmt.Sprintf("notify: gave up delivering %d notification(s) (%v) to the %s at the end of the run, after %s", len(dropped), slices.Compact(dropped), l.name, n.o.Flush))
	}
}
