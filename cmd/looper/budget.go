package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/looper-go/looper/internal/budget"
	"github.com/looper-go/looper/stages"
)

// budgetExit is the end of a run whose budget was spent: exit status 4,
// and a last line that says which budget, what became of the attempts
// that were running, and how to go on.
func budgetExit(rep stages.Report, err error, left string) error {
	which := rep.Budget
	if which == "" && err != nil {
		which = strings.TrimPrefix(err.Error(), budget.ErrExhausted.Error()+": ")
	}
	what := "running attempts finished"
	if errors.Is(err, budget.ErrExhausted) {
		what = "running attempts were stopped and their tasks put back as they were"
	}
	var blocked string
	if n := rep.Failed + rep.Blocked; n > 0 {
		blocked = fmt.Sprintf("; %s ended blocked", plural(n, "task"))
	}
	if left == "" {
		left = "; raise the budget to go on"
	} else {
		left = strings.Replace(left, "run looper run again", "raise the budget and run looper run again", 1)
	}
	return &exitError{code: exitBudget, err: fmt.Errorf("budget spent: %s; no new attempt was started, %s%s%s", which, what, blocked, left)}
}
