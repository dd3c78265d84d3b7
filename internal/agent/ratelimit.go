package agent

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The wording agents use for a usage or rate limit and for an
// authentication failure (see reference/agent-cli-formats.md §1.5, §2.5).
// "retry limit" (codex giving up on reconnects) is deliberately not a rate
// limit.
var (
	rateLimitRE = regexp.MustCompile(`(?i)rate[ _-]?limit|usage limit|hit your (?:\w+ )?limit|too many requests|\b429\b|quota exceeded|insufficient_quota|resource_exhausted`)
	authRE      = regexp.MustCompile(`(?i)invalid api key|invalid x-api-key|authentication_(?:failed|error)|\b401\b|unauthori[sz]ed|not logged in|please (?:run )?/login|run .?(?:claude|codex) login|oauth token (?:has )?expired|api key (?:is )?(?:missing|not (?:found|set))|missing (?:an )?api key`)
)

func mentionsRateLimit(s string) bool { return rateLimitRE.MatchString(s) }
func mentionsAuth(s string) bool      { return authRE.MatchString(s) }

var (
	// "Claude AI usage limit reached|1753077600"
	resetEpochRE = regexp.MustCompile(`(?i)limit reached\|(\d{9,13})`)
	// "resets 2pm (America/Cordoba)", "resets at 12:50am", "resets 14:00 (UTC)"
	resetClockRE = regexp.MustCompile(`(?i)resets?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?(?:\s*\(([A-Za-z0-9_+\-/]+)\))?`)
	// "try again at 12:16 PM"
	tryAtRE = regexp.MustCompile(`(?i)try again at\s+(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?`)
	// "try again in 4 days 2 hours 5 minutes", "try again in 20s", "retry after 30 seconds"
	tryInRE   = regexp.MustCompile(`(?i)(?:try again|retry) (?:in|after)\s+((?:\d+(?:\.\d+)?\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s|ms)\b[\s,]*(?:and\s+)?)+)`)
	durPartRE = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s|ms)\b`)
	// "resets at 2026-01-25T12:00:00Z"
	resetISORE = regexp.MustCompile(`(?i)(?:reset|again)\S*\s+(?:at\s+)?(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))`)
)

// parseResetAt finds when a rate limit lifts in an agent's message, relative
// to now: an epoch after "limit reached|", an RFC 3339 time, a clock time
// ("resets 2pm (Europe/Paris)", "try again at 12:16 PM", taken as the next
// such time in the named zone, else local time) or a delay ("try again in
// 2 hours 5 minutes").
func parseResetAt(msg string, now time.Time) (time.Time, bool) {
	if m := resetEpochRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			return epoch(n), true
		}
	}
	if m := resetISORE.FindStringSubmatch(msg); m != nil {
		if t, err := time.Parse(time.RFC3339, m[1]); err == nil {
			return t, true
		}
	}
	if m := resetClockRE.FindStringSubmatch(msg); m != nil {
		if t, ok := nextClock(now, m[1], m[2], m[3], m[4]); ok {
			return t, true
		}
	}
	if m := tryAtRE.FindStringSubmatch(msg); m != nil {
		if t, ok := nextClock(now, m[1], m[2], m[3], ""); ok {
			return t, true
		}
	}
	if m := tryInRE.FindStringSubmatch(msg); m != nil {
		var d time.Duration
		for _, p := range durPartRE.FindAllStringSubmatch(m[1], -1) {
			n, err := strconv.ParseFloat(p[1], 64)
			if err != nil {
				continue
			}
			d += time.Duration(n * float64(unitOf(p[2])))
		}
		if d > 0 {
			return now.Add(d), true
		}
	}
	return time.Time{}, false
}

func unitOf(u string) time.Duration {
	switch u = strings.ToLower(u); {
	case u == "ms":
		return time.Millisecond
	case strings.HasPrefix(u, "d"):
		return 24 * time.Hour
	case strings.HasPrefix(u, "h"):
		return time.Hour
	case strings.HasPrefix(u, "m"):
		return time.Minute
	default:
		return time.Second
	}
}

// nextClock is the first time at hour:minute (12-hour when ampm is given)
// in zone (local time when empty or unknown) that is not before now.
func nextClock(now time.Time, hour, minute, ampm, zone string) (time.Time, bool) {
	h, err := strconv.Atoi(hour)
	if err != nil {
		return time.Time{}, false
	}
	m := 0
	if minute != "" {
		if m, err = strconv.Atoi(minute); err != nil || m > 59 {
			return time.Time{}, false
		}
	}
	switch ap := strings.ToLower(strings.ReplaceAll(ampm, ".", "")); ap {
	case "am", "pm":
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		h %= 12
		if ap == "pm" {
			h += 12
		}
	case "":
		if h > 23 || (minute == "" && zone == "") {
			// A bare number without am/pm, minutes or zone is not a clock.
			return time.Time{}, false
		}
	}
	loc := now.Location()
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	n := now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), h, m, 0, 0, loc)
	if t.Before(n.Add(-time.Minute)) {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}
