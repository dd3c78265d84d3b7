package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/looper-go/looper/internal/atomicfile"
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

// writeFileAtomic writes data to path with mode 0600 through
// atomicfile.Write, so a reader (a hook, `looper tail`) never sees half a
// file. The directory is created (0700) if needed.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write last message %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("write last message: %w", err)
	}
	return nil
}
