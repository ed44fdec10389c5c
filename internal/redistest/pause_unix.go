//go:build !windows

package redistest

import "syscall"

// Pause stops the server (SIGSTOP): connections hang, as on a network loss.
func (s *Server) Pause() { s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() { s.cmd.Process.Signal(syscall.SIGCONT) }
