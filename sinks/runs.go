package sinks

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Run is one looper run's files in a project log directory: its JSONL log,
// its state file and the .last.json files of its attempts.
type Run struct {
	// ID is the run id, the log's base name.
	ID string
	// Log is the path of the run's .jsonl file, "" if only last-message
	// files are left.
	Log string
	// Files lists every file of the run, the log first, then by name.
	Files []string
	// ModTime is the newest modification time among the files.
	ModTime time.Time
	// Size is the files' total size in bytes.
	Size int64
	// Live is set while a looper process still has the run's log open.
	Live bool
}

// ListRuns groups the run files in a project log directory into runs,
// newest first (by ModTime, then id). A .jsonl file is a run; a
// <run-id>-<label>.last.json file belongs to the longest run id it starts
// with, or, without a log (upstream's rule), to the run named by the first
// three hyphen-separated parts of its name. Other files and directories are
// left out. A missing directory has no runs.
func ListRuns(dir string) ([]Run, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Run)
	add := func(id, path string, info fs.FileInfo) {
		r := byID[id]
		if r == nil {
			r = &Run{ID: id}
			byID[id] = r
		}
		r.Files = append(r.Files, path)
		r.Size += info.Size()
		if info.ModTime().After(r.ModTime) {
			r.ModTime = info.ModTime()
		}
	}
	var logIDs []string
	var lastFiles []fs.DirEntry
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".jsonl"):
			info, err := e.Info()
			if err != nil {
				continue // removed while listing
			}
			id := strings.TrimSuffix(name, ".jsonl")
			path := filepath.Join(dir, name)
			add(id, path, info)
			byID[id].Log = path
			logIDs = append(logIDs, id)
		case strings.HasSuffix(name, ".last.json"):
			lastFiles = append(lastFiles, e)
		case strings.HasSuffix(name, ".state.json"): // the run's state file (StatePath)
			if info, err := e.Info(); err == nil {
				add(strings.TrimSuffix(name, ".state.json"), filepath.Join(dir, name), info)
			}
		}
	}
	// Longest ids first, so "X_2-label" goes to run X_2, not X.
	slices.SortFunc(logIDs, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, e := range lastFiles {
		info, err := e.Info()
		if err != nil {
			continue
		}
		name := e.Name()
		add(lastMessageRun(name, logIDs), filepath.Join(dir, name), info)
	}
	runs := make([]Run, 0, len(byID))
	for _, r := range byID {
		slices.SortFunc(r.Files, func(a, b string) int {
			if (a == r.Log) != (b == r.Log) {
				if a == r.Log {
					return -1
				}
				return 1
			}
			return strings.Compare(a, b)
		})
		if r.Log != "" {
			r.Live = inUse(r.Log)
		}
		runs = append(runs, *r)
	}
	slices.SortFunc(runs, func(a, b Run) int {
		if c := b.ModTime.Compare(a.ModTime); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return runs, nil
}

// lastMessageRun returns the run id a .last.json file belongs to.
func lastMessageRun(name string, logIDs []string) string {
	for _, id := range logIDs {
		if strings.HasPrefix(name, id+"-") {
			return id
		}
	}
	base := strings.TrimSuffix(name, ".last.json")
	if parts := strings.SplitN(base, "-", 4); len(parts) >= 3 {
		return strings.Join(parts[:3], "-")
	}
	return base
}
