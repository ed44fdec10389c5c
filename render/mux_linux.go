package render

import (
	"os/exec"
	"syscall"
)

// deathSignal has the kernel kill the browser when the thread that started it ends (chromedp
// starts it from a locked thread that lives as long as this process).
func deathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
