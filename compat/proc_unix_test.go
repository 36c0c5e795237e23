//go:build unix

package compat

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd the leader of a new process group and, when its
// context ends, kills the whole group (node --test and its per-file children).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// interruptGroup sends SIGINT to cmd's process group (see setProcessGroup):
// what Ctrl-C in a terminal does, reaching `go run` and the program it
// started alike.
func interruptGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
}
