package todo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCompareIDs(t *testing.T) {
	t.Parallel()
	// Each list is in strictly increasing order.
	for _, ordered := range [][]string{
		{"T1", "T2", "T10", "T11", "T100"},
		{"T001", "T1", "T002", "T2", "T010", "T10"},          // equal numbers: byte order decides
		{"B3", "A5", "B5"},                                   // upstream: the prefix is ignored for <prefix><number> ids
		{"T9", "T10", "PROJECT-DONE", "T2x", "T10a", "T10b"}, // numeric ids first, then natural order
		{"a1", "a2", "a10", "a", "a10b", "b"},
		{"x-1-2", "x-1-10", "x-2-1"},
		{"1", ""},
		{"99999999999999999999", "100000000000000000000"}, // beyond int64: still numeric
	} {
		for i := range ordered {
			for j := range ordered {
				want := 0
				switch {
				case i < j:
					want = -1
				case i > j:
					want = 1
				}
				if got := CompareIDs(ordered[i], ordered[j]); got != want {
					t.Errorf("CompareIDs(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
				}
			}
		}
	}
}

// randomID draws ids from a small alphabet so that prefixes, digit runs of
// several lengths, leading zeros and equal numbers collide often.
func randomID(r *rand.Rand) string {
	const alphabet = "T0123a-1.0PB9"
	n := r.IntN(6)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// TestCompareIDsTotalOrder checks antisymmetry, transitivity and that only
// identical ids compare equal, on many random triples.
func TestCompareIDsTotalOrder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		checkOrderProperties(t, randomID(r), randomID(r), randomID(r))
	}
	// Sorting any permutation gives the same result.
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = randomID(r)
	}
	want := slices.SortedFunc(slices.Values(ids), CompareIDs)
	for range 20 {
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		if got := slices.SortedFunc(slices.Values(ids), CompareIDs); !slices.Equal(got, want) {
			t.Fatalf("sort depends on input order")
		}
	}
}

func checkOrderProperties(t testing.TB, a, b, c string) {
	t.Helper()
	ab, ba := CompareIDs(a, b), CompareIDs(b, a)
	if ab != -ba {
		t.Fatalf("not antisymmetric: CompareIDs(%q,%q)=%d, reverse %d", a, b, ab, ba)
	}
	if (ab == 0) != (a == b) {
		t.Fatalf("CompareIDs(%q,%q)=%d: only identical ids may compare equal", a, b, ab)
	}
	if ab < 0 && CompareIDs(b, c) < 0 && CompareIDs(a, c) >= 0 {
		t.Fatalf("not transitive: %q < %q < %q but CompareIDs(%q,%q)=%d", a, b, c, a, c, CompareIDs(a, c))
	}
}

func FuzzCompareIDs(f *testing.F) {
	f.Add("T2", "T10", "T10a")
	f.Add("T001", "T1", "T01")
	f.Add("B3", "A5", "PROJECT-DONE")
	f.Add("", "0", "00")
	f.Add("a1b2", "a01b3", "a1b10")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		checkOrderProperties(t, a, b, c)
		checkOrderProperties(t, c, b, a)
		checkOrderProperties(t, b, a, c)
	})
}
