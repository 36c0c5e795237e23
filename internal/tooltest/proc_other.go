//go:build !unix

package tooltest

import "os/exec"

// ProcessGroup does nothing where process groups are not available: the
// context kills cmd's process alone.
func ProcessGroup(*exec.Cmd) {}

// InterruptGroup stops cmd where there are no process groups or SIGINT.
func InterruptGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }
