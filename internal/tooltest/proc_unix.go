//go:build unix

package tooltest

import (
	"os/exec"
	"syscall"
)

// ProcessGroup makes cmd the leader of a new process group and, when its
// context ends, kills the whole group (node --test and its per-file
// children, go run and its program).
func ProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// InterruptGroup sends SIGINT to cmd's process group (see ProcessGroup):
// what Ctrl-C in a terminal does, reaching `go run` and the program it
// started alike.
func InterruptGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
}
