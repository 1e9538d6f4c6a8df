package cli

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usermock/usermock/internal/redistest"
)

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

// concurrentCreates sends n creates of one employee ID at once, split across the bases, and
// returns how many succeeded.
func concurrentCreates(t *testing.T, bases []string, id string, n int) int64 {
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if createEmployee(t, bases[i%len(bases)], id) == http.StatusOK {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	return ok.Load()
}

// TestReplicasOnOneRedis: two serve replicas on one Redis let one of 200 concurrent creates
// of one employee ID through, see each other's resets, answer 503 while Redis is down, and
// once it is back recover by themselves without letting a key taken before the outage be
// taken again.
func TestReplicasOnOneRedis(t *testing.T) {
	redis := redistest.Start(t)
	bases := []string{startServeArgs(t, "--store", redis.URL()), startServeArgs(t, "--store", redis.URL())}

	assert.EqualValues(t, 1, concurrentCreates(t, bases, "EMPLY001", 200), "exactly one replica took EMPLY001")

	resp, err := http.Post(bases[0]+"/__admin/reset", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, http.StatusOK, createEmployee(t, bases[1], "EMPLY001"), "the other replica sees the reset")

	redis.Stop()
	assert.Equal(t, http.StatusServiceUnavailable, createEmployee(t, bases[0], "EMPLY002"), "Redis down: 503")
	assert.Equal(t, http.StatusServiceUnavailable, createEmployee(t, bases[1], "EMPLY001"), "Redis down: 503, not 409 from a guess")
	assert.Equal(t, http.StatusServiceUnavailable, healthStatus(t, bases[1]), "Redis down: health fails")
	resp, err = http.Get(bases[0] + "/__admin/apis/ruangkerja/records")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "Redis down: the admin listing fails, not an empty 200")

	redis.Start()
	for _, base := range bases {
		assert.Eventually(t, func() bool { return healthStatus(t, base) == http.StatusOK }, 10*time.Second, 50*time.Millisecond,
			"%s healthy again once Redis is back", base)
	}
	assert.Equal(t, http.StatusConflict, createEmployee(t, bases[0], "EMPLY001"), "taken before the restart, still taken")
	// EMPLY002 was refused with 503 while Redis was down: nothing of it was kept, and it can
	// be taken once, across both replicas, now.
	assert.EqualValues(t, 1, concurrentCreates(t, bases, "EMPLY002", 20), "after the restart, exactly one create of EMPLY002")
}

// TestReplicasShareALimit: superfy's user limit counts the users both replicas created. The
// trial company is given one free place (its fixture has one of its two users left out), and
// 20 concurrent creates from its session, split across the replicas, fill it exactly once.
func TestReplicasShareALimit(t *testing.T) {
	redis := redistest.Start(t)
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
		startServeArgs(t, "--store", redis.URL(), "--fixtures", dir, "--api", "superfy"),
		startServeArgs(t, "--store", redis.URL(), "--fixtures", dir, "--api", "superfy"),
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
