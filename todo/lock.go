package todo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Lock is an advisory lock on a backlog, held by one looper process at a
// time so that two runs never write the same file. It is a flock(2) on the
// sibling file <backlog>.lock, which holds the owner's pid for the message
// a second process gets. The kernel drops a flock when its holder exits,
// however it exits, so a crashed looper never leaves a stale lock.
type Lock struct {
	f    *os.File
	path string
}

// LockedError is returned by AcquireLock when another process holds the
// lock.
type LockedError struct {
	// Backlog is the backlog path that was to be locked; Path is its lock file.
	Backlog, Path string
	// PID is the holder's process id, or 0 when the lock file does not say.
	PID int
}

// Error names the holder and says how to get the backlog back.
func (e *LockedError) Error() string {
	holder := "another process"
	fix := fmt.Sprintf("wait for it to finish, or stop it; the lock file is %s", e.Path)
	if e.PID > 0 {
		holder = fmt.Sprintf("another looper (pid %d)", e.PID)
		fix = fmt.Sprintf("wait for it to finish, or stop it with `kill %d`", e.PID)
	}
	return fmt.Sprintf("%s is in use by %s; %s", e.Backlog, holder, fix)
}

// LockPath returns the lock file AcquireLock uses for a backlog that is
// not a symbolic link (one that is gets its target's).
func LockPath(backlogPath string) string { return backlogPath + ".lock" }

// lockTarget is the file whose lock guards backlogPath: the backlog itself,
// or, when it is a symbolic link, the file the link points to, so that
// every name of one backlog shares one lock (a symlinked directory needs
// nothing: the lock file is then the same file too).
func lockTarget(backlogPath string) string {
	if fi, err := os.Lstat(backlogPath); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if resolved, err := filepath.EvalSymlinks(backlogPath); err == nil {
			return resolved
		}
	}
	return backlogPath
}

// AcquireLock takes the lock on backlogPath without waiting. If another
// process (or another Lock in this process) holds it, the error is a
// *LockedError naming the holder's pid. The lock file is opened
// close-on-exec, so agents looper starts never inherit the lock; a child
// that is being started shares it only until its exec, so a Release followed
// at once by AcquireLock can, rarely, find it still held. A backlog reached
// through a symbolic link is locked at the link's target.
func AcquireLock(backlogPath string) (*Lock, error) {
	path := LockPath(lockTarget(backlogPath))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", backlogPath, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &LockedError{Backlog: backlogPath, Path: path, PID: readPID(f)}
		}
		return nil, fmt.Errorf("locking %s: %w", backlogPath, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", backlogPath, err)
	}
	return &Lock{f: f, path: path}, nil
}

func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// Release gives up the lock. The lock file stays (removing it would race
// with a process that has just opened it) but its pid is cleared. Calling
// Release twice is a programmer error and panics.
func (l *Lock) Release() error {
	if l.f == nil {
		panic("todo: Lock released twice")
	}
	f := l.f
	l.f = nil
	terr := f.Truncate(0)
	cerr := f.Close() // closing the last descriptor drops the flock
	return errors.Join(terr, cerr)
}
