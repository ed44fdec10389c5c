//go:build unix

package render

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// interpose puts a mux between chromedp and the browser cmd is about to start: chromedp's
// ModifyCmdFunc, which runs once chromedp gave cmd its pipe (as fds 3 and 4). It also does what
// chromedp's own default for ModifyCmdFunc did (deathSignal).
func interpose(cmd *exec.Cmd) (*mux, error) {
	if len(cmd.ExtraFiles) != 2 {
		return nil, errors.New("render: the browser has no DevTools pipe")
	}
	m, r, w, err := newMux(cmd.ExtraFiles[0], cmd.ExtraFiles[1])
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{r, w}
	deathSignal(cmd)
	return m, nil
}

// dupFile returns a second descriptor of f, which stays open when f is closed.
func dupFile(f *os.File) (*os.File, error) {
	syscall.ForkLock.RLock()
	fd, err := syscall.Dup(int(f.Fd()))
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
