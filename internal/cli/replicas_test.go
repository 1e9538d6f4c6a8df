package cli

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplicasOnOneRedis: two serve replicas on one Redis let one of 200 concurrent creates
// of one employee ID through, see each other's resets, and answer 503 while Redis is down.
func TestReplicasOnOneRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server): replicas are not tested")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	redis := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", t.TempDir())
	require.NoError(t, redis.Start())
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = redis.Process.Kill()
			_ = redis.Wait()
		}
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	bases := []string{startServeArgs(t, "--store", url), startServeArgs(t, "--store", url)}

	create := func(base, id string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/ruangkerja/ruangkerja/users",
			strings.NewReader(`{"employeeID":"`+id+`","name":"n","phone":"1","isActive":true}`))
		req.Header.Set("Authorization", "access_token")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if !assert.NoError(t, err) {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if create(bases[i%2], "EMPLY001") == http.StatusOK {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, ok.Load(), "exactly one replica took EMPLY001")

	resp, err := http.Post(bases[0]+"/__admin/reset", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, http.StatusOK, create(bases[1], "EMPLY001"), "the other replica sees the reset")

	_ = redis.Process.Kill()
	_ = redis.Wait()
	stopped = true
	assert.Equal(t, http.StatusServiceUnavailable, create(bases[0], "EMPLY002"), "Redis down: 503")
	resp, err = http.Get(bases[1] + "/__health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}
