package cli

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRedis is a redis-server a test started on a free loopback port, appending every write
// to a file in its own directory (fsync always) so a restart keeps what it acknowledged.
type testRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

// startTestRedis starts redis-server, or skips when the binary is absent (.ci/run installs
// it, so CI never skips).
func startTestRedis(t *testing.T) *testRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server): replicas are not tested")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	r := &testRedis{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *testRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *testRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir)
	require.NoError(r.t, r.cmd.Start())
	require.Eventually(r.t, func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "redis-server did not listen")
}

func (r *testRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// post sends a JSON body with headers and returns the status (0, and a failed assertion,
// when the request could not be sent).
func post(t *testing.T, url, body string, headers map[string]string) int {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if !assert.NoError(t, err) {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func healthStatus(t *testing.T, base string) int {
	resp, err := http.Get(base + "/__health")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func createEmployee(t *testing.T, base, id string) int {
	return post(t, base+"/ruangkerja/ruangkerja/users", `{"employeeID":"`+id+`","name":"n","phone":"1","isActive":true}`,
		map[string]string{"Authorization": "access_token", "Accept": "application/json"})
}

// TestReplicasOnOneRedis: two serve replicas on one Redis let one of 200 concurrent creates
// of one employee ID through, see each other's resets, answer 503 while Redis is down, and
// once it is back recover by themselves without letting a key taken before the outage be
// taken again.
func TestReplicasOnOneRedis(t *testing.T) {
	redis := startTestRedis(t)
	bases := []string{startServeArgs(t, "--store", redis.url()), startServeArgs(t, "--store", redis.url())}

	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if createEmployee(t, bases[i%2], "EMPLY001") == http.StatusOK {
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
	assert.Equal(t, http.StatusOK, createEmployee(t, bases[1], "EMPLY001"), "the other replica sees the reset")

	redis.stop()
	assert.Equal(t, http.StatusServiceUnavailable, createEmployee(t, bases[0], "EMPLY002"), "Redis down: 503")
	assert.Equal(t, http.StatusServiceUnavailable, createEmployee(t, bases[1], "EMPLY001"), "Redis down: 503, not 409 from a guess")
	assert.Equal(t, http.StatusServiceUnavailable, healthStatus(t, bases[1]), "Redis down: health fails")

	redis.start()
	for _, base := range bases {
		assert.Eventually(t, func() bool { return healthStatus(t, base) == http.StatusOK }, 10*time.Second, 50*time.Millisecond,
			"%s healthy again once Redis is back", base)
	}
	assert.Equal(t, http.StatusConflict, createEmployee(t, bases[0], "EMPLY001"), "taken before the restart, still taken")
	// EMPLY002 was refused with 503 while Redis was down: nothing of it was kept, and it can
	// be taken once, across both replicas, now.
	var won atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if createEmployee(t, bases[i%2], "EMPLY002") == http.StatusOK {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, won.Load(), "after the restart, exactly one create of EMPLY002")
}

// TestReplicasShareALimit: superfy's user limit counts the users both replicas created. The
// trial company is given one free place (its fixture has one of its two users left out), and
// 20 concurrent creates from its session, split across the replicas, fill it exactly once.
func TestReplicasShareALimit(t *testing.T) {
	redis := startTestRedis(t)
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "superfy", "fixtures.yaml"))
	require.NoError(t, err)
	// A record is two lines: its body, then its credential; the second trial user goes.
	lines := strings.SplitAfter(string(src), "\n")
	var kept []string
	for i := 0; i < len(lines); i++ {
		if strings.Contains(lines[i], "trial2@test.com") {
			i++ // and its credential line
			continue
		}
		kept = append(kept, lines[i])
	}
	fixtures := strings.Join(kept, "")
	require.NotContains(t, fixtures, "trial2@test.com")
	require.Contains(t, fixtures, "trial1@test.com")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "superfy"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "superfy", "fixtures.yaml"), []byte(fixtures), 0o644))

	bases := []string{
		startServeArgs(t, "--store", redis.url(), "--fixtures", dir, "--api", "superfy"),
		startServeArgs(t, "--store", redis.url(), "--fixtures", dir, "--api", "superfy"),
	}
	statuses := make([]int, 20)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"deviceID":"TRIA-0000-0000-0001","token":"00000000000000000000000000000002","username":"new%d@test.com",`+
				`"password":"secret1","retype_password":"secret1","firstName":"New","departmentID":2}`, i)
			statuses[i] = post(t, bases[i%2]+"/api/companies/adduser", body, nil)
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusBadRequest: 19}, count,
		"one place left in the trial company: one create, 19 refusals, whichever replica")
}
