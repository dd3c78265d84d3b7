package sandbox

import "strings"

// skipsPermissions returns the flag of argv that switches the agent CLI's
// own permission checks or sandbox off, or "" when there is none. It
// reads the final argv, whatever put the flag there (looper's default for
// claude, [agents.<name>] args, CLAUDE_ARGS), and recognises:
//
//   - claude: --dangerously-skip-permissions, --permission-mode
//     bypassPermissions;
//   - codex: --dangerously-bypass-approvals-and-sandbox, --yolo, --sandbox
//     (-s) danger-full-access, -c sandbox_mode="danger-full-access".
func skipsPermissions(argv []string) string {
	for i, a := range argv {
		name, value, hasValue := strings.Cut(a, "=")
		if !hasValue && i+1 < len(argv) {
			value = argv[i+1]
		}
		switch name {
		case "--dangerously-skip-permissions", "--dangerously-bypass-approvals-and-sandbox", "--yolo":
			return name
		case "--permission-mode":
			if value == "bypassPermissions" {
				return name + " bypassPermissions"
			}
		case "--sandbox", "-s":
			if value == "danger-full-access" {
				return name + " danger-full-access"
			}
		case "-c", "--config":
			if hasValue {
				value = a[len(name)+1:]
			}
			k, v, _ := strings.Cut(value, "=")
			if strings.TrimSpace(k) == "sandbox_mode" && strings.Trim(strings.TrimSpace(v), `"'`) == "danger-full-access" {
				return name + " sandbox_mode=danger-full-access"
			}
		}
	}
	return ""
}
