//go:build !unix

package compat

import "os/exec"

// setProcessGroup is a no-op where process groups are not available: the
// context only kills node itself.
func setProcessGroup(*exec.Cmd) {}

// interruptGroup stops cmd where there are no process groups or SIGINT.
func interruptGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }
