//go:build unix && !linux

package render

import "os/exec"

// deathSignal does nothing where the kernel has no parent-death signal.
func deathSignal(*exec.Cmd) {}
