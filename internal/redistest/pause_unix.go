//go:build unix

package redistest

import "syscall"

// Pause stops the server without killing it (SIGSTOP), as a hung Redis: connections stay
// open and requests wait; Resume lets it go on with what it had received.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatal(err)
	}
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatal(err)
	}
}
