package sinks

import (
	"slices"
	"testing"
)

func TestCompareTaskIDs(t *testing.T) {
	t.Parallel()
	want := []string{"", "1", "2", "10", "A", "T", "T01", "T1", "T2", "T2a", "T2b", "T010", "T10", "T10-1", "T10-2", "T10-10", "TASK-3", "task-1"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, compareTaskIDs)
	if !slices.Equal(got, want) {
		t.Errorf("sorted:\n%q\nwant\n%q", got, want)
	}
}

// FuzzCompareTaskIDs checks that the order is total: antisymmetric, zero
// only for equal ids, and transitive.
func FuzzCompareTaskIDs(f *testing.F) {
	for _, s := range [][3]string{{"T2", "T10", "T02"}, {"a1b2", "a01b3", "a1b10"}, {"", "0", "00"}, {"x9", "x10", "x"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ab, ba := compareTaskIDs(a, b), compareTaskIDs(b, a)
		if ab != -ba {
			t.Fatalf("compare(%q,%q)=%d but compare(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if (ab == 0) != (a == b) {
			t.Fatalf("compare(%q,%q)=0 for different ids", a, b)
		}
		ids := []string{a, b, c}
		slices.SortFunc(ids, compareTaskIDs)
		if compareTaskIDs(ids[0], ids[2]) > 0 || compareTaskIDs(ids[0], ids[1]) > 0 || compareTaskIDs(ids[1], ids[2]) > 0 {
			t.Fatalf("not transitive: %q", ids)
		}
	})
}
