package agent

import (
	"testing"
	"time"
)

func TestParseResetAt(t *testing.T) {
	t.Parallel()
	cordoba, err := time.LoadLocation("America/Cordoba")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	now := time.Date(2026, 3, 25, 15, 30, 0, 0, time.UTC) // 12:30 in Córdoba (UTC-3)
	tests := []struct {
		msg  string
		want time.Time
	}{
		{"Claude AI usage limit reached|1753077600", time.Unix(1753077600, 0)},
		{"You've hit your limit · resets 2pm (America/Cordoba)", time.Date(2026, 3, 25, 14, 0, 0, 0, cordoba)},
		{"You've hit your limit · resets 11am (America/Cordoba)", time.Date(2026, 3, 26, 11, 0, 0, 0, cordoba)},
		{"You've hit your session limit · resets 12:50am (UTC)", time.Date(2026, 3, 26, 0, 50, 0, 0, time.UTC)},
		{"limit resets at 4:05 PM", time.Date(2026, 3, 25, 16, 5, 0, 0, time.UTC)},
		{"Usage limit: resets 17:45 (UTC)", time.Date(2026, 3, 25, 17, 45, 0, 0, time.UTC)},
		{"or try again at 12:16 PM.", time.Date(2026, 3, 26, 12, 16, 0, 0, time.UTC)},
		{"Please try again in 20s.", now.Add(20 * time.Second)},
		{"try again in 4 days 2 hours 5 minutes", now.Add(98*time.Hour + 5*time.Minute)},
		{"Rate limit reached. Please try again in 1.5s", now.Add(1500 * time.Millisecond)},
		{"retry after 30 seconds", now.Add(30 * time.Second)},
		{"quota resets at 2026-03-25T18:00:00Z", time.Date(2026, 3, 25, 18, 0, 0, 0, time.UTC)},
		{"resets 2pm (Not/AZone)", time.Date(2026, 3, 25, 14, 0, 0, 0, time.UTC).AddDate(0, 0, 1)},
	}
	for _, tt := range tests {
		got, ok := parseResetAt(tt.msg, now)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("parseResetAt(%q) = %v, %v; want %v", tt.msg, got, ok, tt.want)
		}
	}
	for _, msg := range []string{"rate limit reached", "resets 5 times", "try again later", "API Error: 429"} {
		if got, ok := parseResetAt(msg, now); ok {
			t.Errorf("parseResetAt(%q) = %v, want no time", msg, got)
		}
	}
}

func TestRateLimitAndAuthWording(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{"You've hit your usage limit", "API Error: Rate limit reached", "rate_limit_exceeded", "429 Too Many Requests",
		"You've hit your session limit · resets 1am", "Claude AI usage limit reached|1753077600"} {
		if !mentionsRateLimit(msg) {
			t.Errorf("%q not recognised as a rate limit", msg)
		}
	}
	for _, msg := range []string{"exceeded retry limit, last status: 401 Unauthorized", "Reconnecting... 1/5", "overloaded_error", "request id: req_0114290abc"} {
		if mentionsRateLimit(msg) {
			t.Errorf("%q taken for a rate limit", msg)
		}
	}
	for _, msg := range []string{"Invalid API key · Fix external API key", "exceeded retry limit, last status: 401 Unauthorized",
		"authentication_failed", "Not logged in · Please run /login", "OAuth token has expired"} {
		if !mentionsAuth(msg) {
			t.Errorf("%q not recognised as an auth failure", msg)
		}
	}
	for _, msg := range []string{"API Error: 529 Overloaded", "4011 lines changed", "turn failed"} {
		if mentionsAuth(msg) {
			t.Errorf("%q taken for an auth failure", msg)
		}
	}
}
