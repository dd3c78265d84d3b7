package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// lastMessage is the content of the last-message file: the summary object
// the agent returned (even one that broke the contract, so hooks and users
// see what it said), else {"raw": <final text>}. It is always JSON, so a
// hook can read task_id and status from it whatever the agent did.
func lastMessage(summaryJSON []byte, text string) []byte {
	if len(summaryJSON) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, summaryJSON, "", "  ") == nil {
			b.WriteByte('\n')
			return b.Bytes()
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(struct {
		Raw string `json:"raw"`
	}{text})
	return b.Bytes()
}

// writeFileAtomic writes data to path with mode 0600 through a temporary
// file in the same directory and a rename, so a reader (a hook, `looper
// tail`) never sees half a file. The directory is created (0700) if needed.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write last message %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write last message %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write last message %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write last message %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write last message %s: %w", path, err)
	}
	return nil
}
