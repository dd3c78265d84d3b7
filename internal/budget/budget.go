// Package budget accounts for what a looper run spends on agents, so that
// an unattended run stops spending at a limit the user chose: US dollars
// and tokens, for the whole run and for each task. Every attempt counts,
// discarded ones included (losing votes, retries, re-runs after a merge
// conflict, attempts looper stopped), since each was paid for.
//
// The Tracker only counts and says when a limit is crossed: at WarnFraction
// of it (a warning) and at the limit itself (exhausted). What happens then
// (no new attempts, or stopping the running ones) is the run loop's
// business; Limits.Stop tells it which the user asked for.
package budget

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrExhausted is the cause of a run ended because its budget is spent, so
// that the command can exit with its own status and say which budget it was.
var ErrExhausted = errors.New("budget exhausted")

// WarnFraction is the share of a limit at which a warning is given, early
// enough for a person to raise the limit before the run stops.
const WarnFraction = 0.8

// Stop modes: what happens to running attempts when a budget is spent.
const (
	// StopFinish lets running attempts finish (their cost counts too);
	// only new attempts are refused. It is the default.
	StopFinish = "finish"
	// StopNow stops running attempts at once, with the same escalation
	// as Ctrl-C (SIGTERM, the agent's grace period, SIGKILL).
	StopNow = "now"
)

// Limits are the budgets of one run. A zero limit is no limit, so the zero
// Limits spends without bound.
type Limits struct {
	// RunCostUSD and RunTokens bound the whole run.
	RunCostUSD float64
	RunTokens  int64
	// TaskCostUSD and TaskTokens bound each task, across all its attempts
	// in this run.
	TaskCostUSD float64
	TaskTokens  int64
	// Stop is StopFinish or StopNow; "" means StopFinish.
	Stop string
}

// Enabled reports whether any limit is set.
func (l Limits) Enabled() bool {
	return l.RunCostUSD > 0 || l.RunTokens > 0 || l.TaskCostUSD > 0 || l.TaskTokens > 0
}

// check rejects limits that cannot be met: negative or not a number, or an
// unknown stop mode.
func (l Limits) check() error {
	if l.RunCostUSD < 0 || l.TaskCostUSD < 0 || math.IsNaN(l.RunCostUSD) || math.IsNaN(l.TaskCostUSD) ||
		math.IsInf(l.RunCostUSD, 0) || math.IsInf(l.TaskCostUSD, 0) {
		return fmt.Errorf("budget: cost limits must be finite and 0 or more (0 = no limit), not %v and %v", l.RunCostUSD, l.TaskCostUSD)
	}
	if l.RunTokens < 0 || l.TaskTokens < 0 {
		return fmt.Errorf("budget: token limits must be 0 or more (0 = no limit), not %d and %d", l.RunTokens, l.TaskTokens)
	}
	if l.Stop != "" && l.Stop != StopFinish && l.Stop != StopNow {
		return fmt.Errorf("budget: stop must be %q or %q, not %q", StopFinish, StopNow, l.Stop)
	}
	return nil
}

// Usage is what one attempt spent.
type Usage struct {
	// Tokens counts prompt tokens (cached ones included) and generated
	// tokens.
	Tokens int64
	// CostUSD is the attempt's cost in US dollars, as the agent reported it
	// or as looper estimated it from [prices].
	CostUSD float64
}

// Scope says whether a crossing concerns the whole run or one task.
type Scope string

// The scopes.
const (
	ScopeRun  Scope = "run"
	ScopeTask Scope = "task"
)

// Metric says which quantity a crossing concerns.
type Metric string

// The metrics.
const (
	MetricCost   Metric = "cost"
	MetricTokens Metric = "tokens"
)

// Crossing is a limit passed by a Spend: its warning threshold, or the
// limit itself.
type Crossing struct {
	Scope  Scope
	Task   string // the task, for ScopeTask
	Metric Metric
	// Exhausted is set when the limit is reached; otherwise the spending
	// passed WarnFraction of it.
	Exhausted bool
	// Spent and Limit are in US dollars or tokens.
	Spent, Limit float64
}

// Key names the configuration key of the limit, as a user would look it up.
func (c Crossing) Key() string {
	k := "max_cost_usd"
	if c.Metric == MetricTokens {
		k = "max_tokens"
	}
	if c.Scope == ScopeTask {
		k = "task_" + k
	}
	return "budget." + k
}

// String says in one line what was crossed, with the figures and the key:
// "run cost $4.0312 is 81% of budget.max_cost_usd ($5.00)".
func (c Crossing) String() string {
	who := "run"
	if c.Scope == ScopeTask {
		who = "task " + c.Task
	}
	pct := 100 * c.Spent / c.Limit
	if c.Exhausted {
		return fmt.Sprintf("%s %s %s reached %s (%s)", who, c.Metric, c.format(c.Spent), c.Key(), c.format(c.Limit))
	}
	return fmt.Sprintf("%s %s %s is %d%% of %s (%s)", who, c.Metric, c.format(c.Spent), int(math.Round(pct)), c.Key(), c.format(c.Limit))
}

func (c Crossing) format(v float64) string {
	if c.Metric == MetricTokens {
		return groupDigits(int64(v))
	}
	return FormatUSD(v)
}

// FormatUSD writes dollars with cents, or with four decimals below a
// dollar, where attempts of cheap models cost fractions of a cent.
func FormatUSD(v float64) string {
	if math.Abs(v) >= 1 {
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return "$" + strconv.FormatFloat(v, 'f', 4, 64)
}

// groupDigits writes n with commas between thousands: 1,250,000.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
