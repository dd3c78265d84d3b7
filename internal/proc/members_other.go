//go:build !linux

package proc

// groupMembers cannot list a group's processes without /proc; spareLeader
// then signals the whole group.
func groupMembers(int) ([]int, bool) { return nil, false }
