//go:build unix

package controltest

import (
	"os/exec"
	"syscall"
)

// killGroup puts cmd in a process group of its own, killed whole when
// cmd's context ends.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
