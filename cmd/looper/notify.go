package main

import (
	"log/slog"

	"github.com/looper-go/looper/config"
	"github.com/looper-go/looper/internal/notify"
	"github.com/looper-go/looper/sinks"
)

// openNotifier starts the [notify] deliveries of a session: nil when no
// webhook or command is configured. Its warnings go into the run's event
// stream, so the console and the run log show what was not delivered.
func openNotifier(cfg *config.Config, s *session) *notify.Notifier {
	return notify.New(notify.Options{
		On:      cfg.Notify.On,
		Webhook: cfg.Notify.Webhook,
		Command: cfg.Notify.Command,
		Dir:     s.root,
		Project: s.root,
		RunID:   s.runLog.ID(),
		Warn:    func(msg string) { s.emit(slog.LevelWarn, sinks.KindWarning, msg) },
	})
}
