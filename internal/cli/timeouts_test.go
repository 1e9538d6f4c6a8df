package cli

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConnectionsAreTimedOut: an idle keep-alive connection, a slow body and a partial next
// request are each cut off, and connections past --max-connections wait instead of piling up.
func TestConnectionsAreTimedOut(t *testing.T) {
	base := startServeArgs(t, "--idle-timeout", "300ms", "--read-timeout", "500ms", "--max-connections", "4")
	addr := strings.TrimPrefix(base, "http://")
	closed := func(t *testing.T, c net.Conn, within time.Duration) {
		t.Helper()
		require.NoError(t, c.SetReadDeadline(time.Now().Add(within)))
		_, err := io.ReadAll(c)
		assert.NoError(t, err, "the server closed the connection (no read timeout of ours)")
	}
	t.Run("idle keep-alive", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("GET /__health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
		require.NoError(t, err)
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.Contains(t, line, "200")
		require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
		_, err = io.ReadAll(r)
		assert.NoError(t, err, "closed after the idle timeout")
	})
	t.Run("slow body", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("POST /ruangkerja/ruangkerja/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"))
		require.NoError(t, err)
		closed(t, c, 3*time.Second)
	})
	t.Run("partial headers", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("GET /__health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
		require.NoError(t, err)
		closed(t, c, 3*time.Second)
	})
	t.Run("connections past the limit wait", func(t *testing.T) {
		var held []net.Conn
		for i := 0; i < 4; i++ {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			held = append(held, c)
		}
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		time.Sleep(50 * time.Millisecond) // let the server accept them
		c, err := net.Dial("tcp", addr)   // the kernel's backlog takes it
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("GET /__health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
		require.NoError(t, err)
		// The held connections idle out (read timeout) and free their places: the fifth is
		// then served, not refused.
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		b, err := io.ReadAll(c)
		require.NoError(t, err)
		assert.True(t, bytes.Contains(b, []byte("200 OK")), "%s", b)
	})
}
