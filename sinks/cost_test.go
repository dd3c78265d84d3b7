package sinks

import "testing"

// TestFmtCostOf: a reported cost keeps cents; an estimate is marked and
// keeps four decimals, since a small codex attempt costs less than a cent.
func TestFmtCostOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    float64
		est  bool
		want string
	}{
		{0, false, "-"},
		{0, true, "-"},
		{0.004, false, "<$0.01"},
		{1.234, false, "$1.23"},
		{0.0123, true, "~$0.0123 (est.)"},
		{0.00001, true, "~<$0.0001 (est.)"},
		{2.5, true, "~$2.5000 (est.)"},
	} {
		if got := fmtCostOf(tc.c, tc.est); got != tc.want {
			t.Errorf("fmtCostOf(%v, %v) = %q, want %q", tc.c, tc.est, got, tc.want)
		}
	}
}
