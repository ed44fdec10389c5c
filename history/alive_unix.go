//go:build !windows

package history

import (
	"errors"
	"syscall"
)

// alive tells whether a process of this host runs under pid.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
