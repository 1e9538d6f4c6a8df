package main

// The -replicas mode: usermock on the memory store against replicas sharing one Redis, each
// behind bench/rrproxy, with what Redis costs per create.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
)

// runReplicas drives the valid creates of the five APIs, in one wrk script with paths under
// /<api>, through rrproxy to (a) one usermock on the memory store, (b) two replicas on one
// Redis and (c) one replica on Redis, which separates what Redis costs from two replicas
// sharing the cores. Each target gets its own redis-server. After each run, 50 concurrent
// creates of one employee ID must let exactly one through.
func runReplicas(ctx context.Context, o options) error {
	for _, tool := range []string{"wrk", "redis-server"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (apt-get install %s)", tool, tool)
		}
	}
	usermock, rrproxy := filepath.Join(o.out, "usermock"), filepath.Join(o.out, "rrproxy")
	if err := build(map[string]string{usermock: "./cmd/usermock", rrproxy: "./bench/rrproxy"}); err != nil {
		return err
	}
	reqs, err := workload(ctx)
	if err != nil {
		return err
	}
	valid := filter(reqs, func(r request) bool { return r.kind == "valid" })
	dup := filter(valid, func(r request) bool { return r.api == "ruangkerja" })
	if len(dup) != 1 {
		return errors.New("workload: no valid ruangkerja create for the duplicate check")
	}
	printMachine()
	fmt.Println("replicas: valid creates of the five APIs in one wrk script, each target behind bench/rrproxy")
	ticks := clockTicks()
	clusters := []*cluster{
		{name: "one usermock", replicas: 1},
		{name: "two replicas", replicas: 2, redis: true},
		{name: "one replica", replicas: 1, redis: true},
	}
	var rows []result
	for i, c := range clusters {
		c.usermock, c.rrproxy, c.dir, c.dup, c.ticks = usermock, rrproxy, filepath.Join(o.out, strconv.Itoa(i)), dup[0], ticks
		res, err := o.measureLaunched(c.launch, "rrproxy -> "+c.String(), luaScript(valid, func(r request) string { return "/" + r.api }, int64(20+i)*1e12))
		if err != nil {
			return err
		}
		rows = append(rows, res)
	}
	printReplicas(clusters, rows)
	return nil
}

// cluster is one target of the replicas mode: redis-server (if redis), the usermock
// replicas and rrproxy in front of them.
type cluster struct {
	name     string
	replicas int
	redis    bool

	usermock, rrproxy, dir string
	dup                    request       // the create sent 50 times at once after the run
	ticks                  time.Duration // one clock tick of /proc/PID/stat

	redisAddr string
	procs     []proc // in start order
	before    usage
	used      usage // during the wrk run
}

func (c *cluster) String() string {
	if c.redis {
		return c.name + ", Redis"
	}
	return c.name + ", memory store"
}

type proc struct {
	role string // usermock, redis, rrproxy
	cmd  *exec.Cmd
}

// usage is what a cluster has used so far: CPU time by role (wrk's too) and, with Redis, its
// command counts, its time in the commands clients sent and its memory.
type usage struct {
	cpu       map[string]time.Duration // usermock, rrproxy, redis, wrk
	calls     map[string]int64         // INFO commandstats counts the commands scripts call too
	redisTime time.Duration
	redisMem  int64
	machine   cpuStat // the whole machine's, other sessions' included
}

// cpuStat is the first line of /proc/stat, in clock ticks: busy (stolen by the hypervisor
// included) and idle (iowait included).
type cpuStat struct{ busy, idle int64 }

func machineCPU() cpuStat {
	b, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(b), "\n")
	var s cpuStat
	for i, f := range strings.Fields(line + " -")[1:] { // cpu user nice system idle iowait irq softirq steal ...
		n, _ := strconv.ParseInt(f, 10, 64)
		switch {
		case i == 3 || i == 4:
			s.idle += n
		case i < 8:
			s.busy += n
		}
	}
	return s
}

// roundTrip says whether a command is one clients send rather than one a script calls:
// usermock's Redis store sends scripts only, and PING for /__health (SCAN and UNLINK after a
// reset); go-redis sends HELLO on a new connection.
func roundTrip(cmd string) bool {
	return strings.HasPrefix(cmd, "eval") || cmd == "ping" || cmd == "hello" || strings.HasPrefix(cmd, "client|")
}

// launch implements launcher: Redis and the replicas are up when it returns, rrproxy is
// started on addr.
func (c *cluster) launch(addr string) (running, error) {
	r, err := c.start(addr)
	if err != nil {
		c.stop()
	}
	return r, err
}

func (c *cluster) start(addr string) (running, error) {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return running{}, err
	}
	var storeArgs []string
	if c.redis {
		a, err := freeAddr()
		if err != nil {
			return running{}, err
		}
		c.redisAddr = a
		port := a[strings.LastIndexByte(a, ':')+1:]
		if err := c.spawn("redis", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", c.dir); err != nil {
			return running{}, err
		}
		if err := c.waitRedis(); err != nil {
			return running{}, err
		}
		storeArgs = []string{"--store", "redis://" + a + "/0", "--store-prefix", "bench:"}
	}
	proxyArgs := []string{"-addr", addr}
	for range c.replicas {
		a, err := freeAddr()
		if err != nil {
			return running{}, err
		}
		// serve's defaults otherwise, as in the other runs: request log (to /dev/null) and journal on.
		if err := c.spawn("usermock", c.usermock, append([]string{"serve", "--addr", a}, storeArgs...)...); err != nil {
			return running{}, err
		}
		if _, err := waitHealthy(a, "/__health", time.Now()); err != nil {
			return running{}, fmt.Errorf("replica %s: %w", a, err)
		}
		proxyArgs = append(proxyArgs, "-backend", "http://"+a)
	}
	if err := c.spawn("rrproxy", c.rrproxy, proxyArgs...); err != nil {
		return running{}, err
	}
	var err error
	if c.before, err = c.usage(); err != nil {
		return running{}, err
	}
	// The memory reported is the first replica's.
	return running{health: "/__health", pid: c.procs[len(c.procs)-c.replicas-1].cmd.Process.Pid, after: c.after, stop: c.stop}, nil
}

func (c *cluster) spawn(role, bin string, args ...string) error {
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	c.procs = append(c.procs, proc{role, cmd})
	return nil
}

func (c *cluster) stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		_ = c.procs[i].cmd.Process.Kill()
		_ = c.procs[i].cmd.Wait()
	}
	c.procs = nil
}

func (c *cluster) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: c.redisAddr, PoolSize: 1, DisableIdentity: true})
}

func (c *cluster) waitRedis() error {
	rdb := c.client()
	defer rdb.Close()
	for began := time.Now(); time.Since(began) < 10*time.Second; time.Sleep(5 * time.Millisecond) {
		if rdb.Ping(context.Background()).Err() == nil {
			return nil
		}
	}
	return fmt.Errorf("redis-server on %s did not answer within 10s", c.redisAddr)
}

// after reads what the run used, then sends one create 50 times at once through the proxy.
func (c *cluster) after(addr string) error {
	now, err := c.usage()
	if err != nil {
		return err
	}
	c.used = now.minus(c.before)

	body := strings.ReplaceAll(c.dup.body, "{{N}}", "REPLICADUP1")
	statuses := make([]int, 50)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest(c.dup.method, "http://"+addr+"/"+c.dup.api+c.dup.path, strings.NewReader(body))
			for k, v := range c.dup.headers {
				req.Header.Set(k, v)
			}
			if resp, err := http.DefaultClient.Do(req); err == nil {
				statuses[i] = resp.StatusCode
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, s := range statuses {
		switch s / 100 {
		case 2:
			ok++
		case 4:
			refused++
		}
	}
	fmt.Printf("%s, 50 concurrent creates of one key: %d success\n", c.name, ok)
	if ok != 1 || refused != 49 {
		return fmt.Errorf("50 concurrent creates of one key: want 1 success and 49 refusals, got statuses %v", statuses)
	}
	return nil
}

// usage reads the CPU time of every process (utime+stime of /proc/PID/stat) and Redis's
// INFO commandstats and memory.
func (c *cluster) usage() (usage, error) {
	u := usage{cpu: map[string]time.Duration{}, calls: map[string]int64{}, machine: machineCPU()}
	for _, p := range c.procs {
		t, err := cpuTime(p.cmd.Process.Pid)
		if err != nil {
			return u, err
		}
		u.cpu[p.role] += time.Duration(t) * c.ticks
	}
	// The driver's children that have ended: since the last sample of a run, only wrk.
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return u, err
	}
	u.cpu["wrk"] = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if !c.redis {
		return u, nil
	}
	rdb := c.client()
	defer rdb.Close()
	info, err := rdb.Info(context.Background(), "commandstats", "memory").Result()
	if err != nil {
		return u, fmt.Errorf("redis INFO: %w", err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			u.redisMem, _ = strconv.ParseInt(v, 10, 64)
		}
		name, stats, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		for _, kv := range strings.Split(stats, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				u.calls[name] += n
			case "usec":
				if roundTrip(name) { // a script's time includes the commands it calls
					u.redisTime += time.Duration(n) * time.Microsecond
				}
			}
		}
	}
	return u, nil
}

func (u usage) minus(b usage) usage {
	d := usage{cpu: map[string]time.Duration{}, calls: map[string]int64{}, redisTime: u.redisTime - b.redisTime, redisMem: u.redisMem - b.redisMem,
		machine: cpuStat{u.machine.busy - b.machine.busy, u.machine.idle - b.machine.idle}}
	for k, v := range u.cpu {
		d.cpu[k] = v - b.cpu[k]
	}
	for k, v := range u.calls {
		if n := v - b.calls[k]; n > 0 {
			d.calls[k] = n
		}
	}
	delete(d.calls, "info") // the benchmark's own
	return d
}

// cpuTime is utime+stime of a process, in clock ticks.
func cpuTime(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses: state is the first, utime
	// the 12th, stime the 13th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return utime + stime, nil
}

// clockTicks is the length of one tick of /proc/PID/stat (getconf CLK_TCK, else 1/100 s).
func clockTicks() time.Duration {
	hz := int64(100)
	if out, err := exec.Command("getconf", "CLK_TCK").Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && n > 0 {
			hz = n
		}
	}
	return time.Second / time.Duration(hz)
}

// printReplicas prints the targets side by side, each against the memory store, with the CPU
// each kind of process spent per create and, with Redis, what Redis did per create.
func printReplicas(clusters []*cluster, rows []result) {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "behind rrproxy\treq/s\tvs memory\tp50\tp99\tcreates\tnon-2xx\tCPU µs/create: usermock\trrproxy\tredis\tall three\twrk\tRedis round trips/create\tcommands/create\tbytes/create\tcores busy\tnot ours\t")
	for i, c := range clusters {
		r := rows[i]
		creates := float64(r.requests - r.non2xx)
		all := c.used.cpu["usermock"] + c.used.cpu["rrproxy"] + c.used.cpu["redis"]
		us := func(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/1e3/creates) }
		redisCPU, trips, cmds, mem := "-", "-", "-", "-"
		if c.redis {
			var t, n int64
			for k, v := range c.used.calls {
				n += v
				if roundTrip(k) {
					t += v
				}
			}
			redisCPU = us(c.used.cpu["redis"])
			trips = fmt.Sprintf("%.2f", float64(t)/creates)
			cmds = fmt.Sprintf("%.2f", float64(n)/creates)
			mem = fmt.Sprintf("%.0f", float64(c.used.redisMem)/creates)
		}
		// The machine's busy time, and what of it neither the target nor wrk used: other
		// sessions on a shared machine (which make the run's figures lower) and the
		// kernel's work not charged to a process.
		m, tick := c.used.machine, float64(c.ticks)
		total := float64(max(m.busy+m.idle, 1)) * tick
		busy := float64(m.busy) * tick
		others := busy - float64(all+c.used.cpu["wrk"])
		cores := float64(runtime.NumCPU())
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t\n", c, r.rps, r.rps/rows[0].rps, r.p50, r.p99,
			r.requests-r.non2xx, r.non2xx, us(c.used.cpu["usermock"]), us(c.used.cpu["rrproxy"]), redisCPU, us(all), us(c.used.cpu["wrk"]),
			trips, cmds, mem, cores*busy/total, cores*max(others, 0)/total)
	}
	tw.Flush()
	for i, c := range clusters {
		if !c.redis {
			continue
		}
		creates := float64(rows[i].requests - rows[i].non2xx)
		names := make([]string, 0, len(c.used.calls))
		for k := range c.used.calls {
			names = append(names, k)
		}
		sort.Slice(names, func(a, b int) bool { return c.used.calls[names[a]] > c.used.calls[names[b]] })
		var trips, inner []string
		for _, k := range names {
			f := fmt.Sprintf("%s %.3f", k, float64(c.used.calls[k])/creates)
			if roundTrip(k) {
				trips = append(trips, f)
			} else {
				inner = append(inner, f)
			}
		}
		fmt.Printf("%s, Redis per create: sent %s; in scripts %s; %.1f µs in commands, %.1f µs of redis-server CPU\n", c,
			strings.Join(trips, ", "), strings.Join(inner, ", "), float64(c.used.redisTime)/1e3/creates, float64(c.used.cpu["redis"])/1e3/creates)
	}
}
