package history

import "os"

// alive tells whether a process of this host runs under pid: on Windows, FindProcess opens
// the process and fails when there is none.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
