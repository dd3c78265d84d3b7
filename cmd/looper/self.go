package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// keepExecutable puts this looper's executable at dst (a hard link, else a
// copy) and returns dst. What the demo writes for later use must point at
// a binary that outlives this process: after `go run`, os.Executable names
// a temporary file that go deletes when looper exits.
func keepExecutable(dst string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	if err := os.Link(exe, dst); err == nil {
		return dst, nil
	}
	return dst, copyExecutable(exe, dst)
}

// copyExecutable copies src to dst with mode 0755.
func copyExecutable(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	_, err = io.Copy(out, in)
	return err
}

// selfPath is how to run this looper again: the name it was started under,
// made absolute (through PATH when it has no slash), so that a looper that
// is one of several commands in one binary (a test binary under testscript)
// is started as looper again; else the executable itself.
func selfPath() (string, error) {
	name := os.Args[0]
	if !strings.Contains(name, string(filepath.Separator)) {
		if p, err := exec.LookPath(name); err == nil {
			name = p
		}
	}
	if abs, err := filepath.Abs(name); err == nil {
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			return abs, nil
		}
	}
	return os.Executable()
}
