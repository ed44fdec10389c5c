package redistest

// Pause is not available on Windows (no SIGSTOP): the test that asks for it fails.
func (s *Server) Pause() { s.t.Fatal("redistest: Pause needs SIGSTOP, which Windows has not") }

// Resume does nothing on Windows: nothing was paused.
func (s *Server) Resume() {}
