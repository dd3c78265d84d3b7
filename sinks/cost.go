package sinks

import "strconv"

// fmtCost renders US dollars with cents, "<$0.01" for a tiny non-zero cost.
func fmtCost(c float64) string {
	switch {
	case c == 0:
		return "-"
	case c > 0 && c < 0.005:
		return "<$0.01"
	}
	return "$" + strconv.FormatFloat(c, 'f', 2, 64)
}

// fmtCostOf renders a cost, marked "~$0.0123 (est.)" when it is looper's
// estimate rather than the agent's own figure: estimates get four decimals,
// since a small codex attempt costs fractions of a cent.
func fmtCostOf(c float64, estimated bool) string {
	switch {
	case !estimated || c == 0:
		return fmtCost(c)
	case c > 0 && c < 0.00005:
		return "~<$0.0001 (est.)"
	}
	return "~$" + strconv.FormatFloat(c, 'f', 4, 64) + " (est.)"
}
