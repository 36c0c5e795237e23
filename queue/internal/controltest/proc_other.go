//go:build !unix

package controltest

import "os/exec"

// killGroup does nothing here: cmd alone is killed when its context ends.
func killGroup(*exec.Cmd) {}
