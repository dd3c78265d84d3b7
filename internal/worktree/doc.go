// Package worktree isolates parallel attempts in git worktrees and merges
// their work back one at a time. It drives the git command (2.38 or newer)
// through os/exec; no argument ever passes through a shell.
//
// # The model
//
// The repository is seen from its main worktree, the directory the user works
// in (Open finds it even from inside a linked worktree). The branch checked
// out there is the integration branch: attempts start from its tip and land
// on it.
//
// Every attempt of every task gets its own worktree and branch, created by
// Create from the integration tip at that moment, so a task dispatched after
// its dependencies merged sees their work:
//
//	directory  <root>/.looper/worktrees/<run>/<task>-<attempt>
//	branch     looper/<run>/<task>/<attempt>
//
// Run and task ids come from the user's backlog and are sanitized into names
// that are a single path component and a valid ref component: characters
// outside [A-Za-z0-9._-] become '_', a leading '.' or '-' becomes '_', ".."
// is broken up, and whenever that changed the id (or it was longer than 64
// bytes, or ended in '.' or ".lock") the first 8 hex digits of its SHA-256
// are appended, so "a/b" and "a_b" stay distinct. ".looper/worktrees/" is
// added to .git/info/exclude, so the attempts never show up as untracked
// files in the main worktree. Create can copy untracked files such as .env
// into the new worktree (Options.Copy, confined to the repository; CommitAll
// never stages them) and run a setup command there (Options.Setup, with a
// timeout, in its own process group; on failure the error carries the end of
// its output and the half-made worktree is removed).
//
// After the agent ran, Commits, DiffStat and CommitAll (for agents that edited
// but did not commit) inspect and complete the attempt, and DropPaths strips
// edits the agent must not make (the backlog file, which looper alone writes)
// by committing those paths back to their base content.
//
// # Merging
//
// Merge merges one branch at a time into the integration branch (a mutex in
// the Repo serializes callers). It first merges in memory with git merge-tree
// --write-tree, touching neither the index nor the files: on conflict it
// returns the conflicting paths and the repository is exactly as before, so
// no merge is ever left in progress and none needs aborting. A clean result
// becomes a merge commit (or, when the branch already contains the
// integration tip, a plain fast-forward), and the main worktree is moved to
// it with git merge --ff-only, which only writes the paths the merge changes.
//
// # The user's uncommitted changes
//
// They are never touched. Before moving the main worktree, Merge compares the
// paths the merge writes with the uncommitted changes there (modified,
// staged, untracked, and ignored files at paths the merge would create). If
// they overlap, it returns a *DirtyError naming the paths and changes
// nothing; the caller waits, tells the user why, and merges again later.
// Changes elsewhere, such as the backlog file looper rewrites while a run
// goes on, stay as they are, staged or not, across fast-forwards and merge
// commits. Dirty lists the uncommitted changes (minus paths the caller
// ignores) for a caller that wants to refuse to start instead.
//
// # Cleanup
//
// Remove deletes one attempt's worktree and, when asked, its branch; the run
// loop removes losing attempts and merged branches this way and keeps failed
// or blocked attempts for inspection. Leftovers finds everything an earlier
// run left (an interrupted run, a crash, kept attempts) and classifies each
// against the integration branch: merged (every commit landed), empty (no
// commits beyond the base), unmerged (commits the integration branch lacks),
// stray (a directory git does not know), plus whether its directory is
// missing, whether it has uncommitted changes and whether it is locked.
// Clean removes the merged and empty ones that have no uncommitted changes and
// are not locked, and drops git's records of worktrees whose directory is
// gone; unmerged commits, uncommitted changes, locked worktrees and stray
// directories are kept unless forced.
//
// # Reuse
//
// A run that creates many worktrees turns on a pool (UsePool): Remove then
// cleans a finished attempt's worktree, detaches it and moves it aside
// (<run>/.pool-N) instead of deleting it, and the next Create moves it under
// its own name and switches it to the new branch, which rewrites only the
// files that differ from the commit it was at. A caller that removes
// worktrees in the background announces each removal first (Releasing), so
// that a Create finding the pool empty meanwhile waits for that worktree
// rather than check out every file anew, for no longer than the run's
// longest checkout took. ClosePool deletes the idle ones
// when the run ends; after KeepPool it parks them in .looper/worktrees/.pool
// instead, where the next run's KeepPool adopts those nobody touched since
// (the HEAD the marker recorded, the same sparse directories), so that a
// large repository's first attempts are switches too. Leftovers lists
// parked worktrees as Kept, and Clean removes them.
package worktree
