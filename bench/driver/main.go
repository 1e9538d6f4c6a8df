// Command driver runs the usermock load benchmark: it builds usermock and the bare net/http
// ceiling, starts each, drives a fixed workload with wrk, and compares usermock with the
// ceiling and with Prism, measured in the same run. Run it through bench/run.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

type options struct {
	duration    time.Duration
	connections int
	threads     int
	prism       string // the prism executable; empty skips the comparison
	soak        int    // requests of the memory soak; 0 skips it
	out         string // where binaries and scripts go
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each wrk run")
	flag.IntVar(&o.connections, "connections", 32, "wrk connections")
	flag.IntVar(&o.threads, "threads", 2, "wrk threads")
	flag.StringVar(&o.prism, "prism", "", "path of the prism executable (empty: skip Prism)")
	flag.IntVar(&o.soak, "soak", 1_000_000, "requests of the memory soak against usermock (0: skip)")
	replicas := flag.Bool("replicas", false, "only compare one usermock on the memory store with replicas on one Redis, behind bench/rrproxy (replicas.go)")
	lua := flag.String("write-lua", "", "only write the mixed workload's wrk script (paths under /<api>) to this file, for profiling by hand")
	luaAPI := flag.String("api", "", "with -write-lua: only this API's valid creates")
	flag.Parse()
	if *lua != "" {
		reqs, err := workload(context.Background())
		if *luaAPI != "" {
			reqs = filter(reqs, func(r request) bool { return r.api == *luaAPI && r.kind == "valid" })
		}
		if err == nil && len(reqs) == 0 {
			err = fmt.Errorf("no valid creates for API %q", *luaAPI)
		}
		if err == nil {
			err = os.WriteFile(*lua, []byte(luaScript(reqs, func(r request) string { return "/" + r.api }, time.Now().Unix()*1e3)), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	mode := run
	if *replicas {
		mode = runReplicas
	}
	dir, err := os.MkdirTemp("", "usermock-bench") // binaries and wrk scripts
	if err == nil {
		o.out = dir
		err = mode(context.Background(), o)
		os.RemoveAll(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is one wrk run against one target.
type result struct {
	name     string
	rps      float64
	p50, p99 time.Duration
	requests int
	non2xx   int
	peakRSS  int64 // kB, VmHWM of the server process
	rss      int64 // kB, VmRSS at the end
	healthy  time.Duration
}

func run(ctx context.Context, o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found; bench/run installs it (apt-get install wrk)")
	}
	usermock, ceiling := filepath.Join(o.out, "usermock"), filepath.Join(o.out, "ceiling")
	if err := build(map[string]string{usermock: "./cmd/usermock", ceiling: "./bench/ceiling"}); err != nil {
		return err
	}
	reqs, err := workload(ctx)
	if err != nil {
		return err
	}
	if err := checkWorkload(usermock, reqs); err != nil {
		return err
	}
	mounted := func(r request) string { return "/" + r.api }
	printMachine()
	var rows []result
	// Valid creates, one API at a time, on usermock serving all five APIs with its defaults
	// and on the ceiling, back to back, so each ratio is measured under the same conditions.
	var ratios []ratio
	for i, api := range apiIDs {
		valid := filter(reqs, func(r request) bool { return r.api == api && r.kind == "valid" })
		script := luaScript(valid, mounted, int64(i+1)*1e12)
		um, err := o.measure(usermockServer(usermock), "usermock: valid creates, "+api, script)
		if err != nil {
			return err
		}
		ce, err := o.measure(ceilingServer(ceiling), "ceiling: valid creates, "+api, script)
		if err != nil {
			return err
		}
		rows = append(rows, um, ce)
		ratios = append(ratios, ratio{api: api, um: um.rps, ceiling: ce.rps, target: targets[api]})
		fmt.Printf("usermock/ceiling, valid creates, %s: %.2f (target %.2f)\n", api, um.rps/ce.rps, targets[api])
	}
	// The mix of valid, invalid and duplicate creates on all five APIs.
	um, err := o.measure(usermockServer(usermock), "usermock: mixed valid/invalid/duplicate", luaScript(reqs, mounted, 9e12))
	if err != nil {
		return err
	}
	ce, err := o.measure(ceilingServer(ceiling), "ceiling: mixed valid/invalid/duplicate", luaScript(reqs, mounted, 9e12))
	if err != nil {
		return err
	}
	rows = append(rows, um, ce)
	mixedRPS := um.rps
	fmt.Printf("usermock/ceiling, mixed: %.2f\n", um.rps/ce.rps)
	var prismRatios []float64
	if o.prism != "" {
		prismRows, err := o.comparePrism(reqs, usermock)
		if err != nil {
			return err
		}
		rows = append(rows, prismRows...)
		for i := 0; i+1 < len(prismRows); i += 2 {
			prismRatios = append(prismRatios, prismRows[i].rps/prismRows[i+1].rps)
		}
	}
	if o.soak > 0 {
		// Once with the mix, which stores a new user every third request (a mock must keep
		// them for duplicates to fail), once with refusals only, which store nothing: memory
		// that grows there would be a leak, the journal included.
		refusals := filter(reqs, func(r request) bool { return r.kind != "valid" })
		for _, w := range []struct {
			label string
			reqs  []request
		}{{"mixed, 1 in 3 stored", reqs}, {"refusals only, nothing stored", refusals}} {
			s, err := o.soakRun(usermock, w.label, w.reqs, mixedRPS)
			if err != nil {
				return err
			}
			rows = append(rows, s)
		}
	}
	printTable(rows)
	printRatios(ratios, prismRatios)
	return nil
}

// comparePrism runs each API alone on Prism and on usermock, with the requests Prism can
// serve: valid and invalid creates (Prism keeps no state, so duplicates are left out).
func (o options) comparePrism(reqs []request, usermock string) ([]result, error) {
	var rows []result
	for _, api := range apiIDs {
		apiReqs := filter(reqs, func(r request) bool { return r.api == api && r.kind != "duplicate" })
		base := int64(10+len(rows)) * 1e12
		um, err := o.measure(usermockServer(usermock, "--api", api), "usermock: "+api+" valid+invalid", luaScript(apiReqs, noPrefix, base))
		if err != nil {
			return nil, err
		}
		spec := filepath.Join(o.out, api+".yaml")
		if err := writeSpec(api, spec); err != nil {
			return nil, err
		}
		pr, err := o.measure(prismServer(o.prism, spec), "prism: "+api+" valid+invalid", luaScript(apiReqs, noPrefix, base+1e11))
		if err != nil {
			return nil, err
		}
		rows = append(rows, um, pr)
		fmt.Printf("usermock/Prism, %s: %.1fx the requests/s\n", api, um.rps/pr.rps)
	}
	return rows, nil
}

func noPrefix(request) string { return "" }

// soakRun sends about o.soak mixed requests to one usermock process, journal on, and reads
// its memory afterwards.
func (o options) soakRun(usermock, label string, reqs []request, rps float64) (result, error) {
	// wrk runs for a time, not a count: aim at 60% of the rate measured for the mix, so even
	// the slower refusal-only workload passes o.soak requests (the table shows the count).
	d := time.Duration(float64(o.soak)/(0.6*rps)*float64(time.Second)) + time.Second
	soak := o
	soak.duration = d
	return soak.measure(usermockServer(usermock), fmt.Sprintf("usermock: soak ~%dk, %s", o.soak/1000, label),
		luaScript(reqs, func(r request) string { return "/" + r.api }, time.Now().Unix()*1e3))
}

// server starts a target on addr and says where its health check is.
type server func(addr string) (*exec.Cmd, string)

// running is a target measure drives: it waits for the health path, runs wrk, reads the
// memory of pid, calls after (when set) while the target still runs, then stop.
type running struct {
	health string
	pid    int
	after  func(addr string) error
	stop   func()
}

// launcher starts a target of one or more processes on addr, without waiting for it.
type launcher func(addr string) (running, error)

// launch starts a target of one process.
func (s server) launch(addr string) (running, error) {
	cmd, health := s(addr)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return running{}, err
	}
	return running{health: health, pid: cmd.Process.Pid, stop: func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }}, nil
}

func usermockServer(bin string, extra ...string) server {
	return func(addr string) (*exec.Cmd, string) {
		args := append([]string{"serve", "--addr", addr}, extra...) // defaults: request log on (to /dev/null), journal on
		return exec.Command(bin, args...), "/__health"
	}
}

func ceilingServer(bin string) server {
	return func(addr string) (*exec.Cmd, string) {
		return exec.Command(bin, "--addr", addr), "/__health"
	}
}

func prismServer(bin, spec string) server {
	return func(addr string) (*exec.Cmd, string) {
		host, port, _ := net.SplitHostPort(addr)
		return exec.Command(bin, "mock", "--host", host, "--port", port, "--errors", "false", spec), ""
	}
}

// measure starts the server, times it until healthy, runs wrk with the script and reads the
// server's memory before stopping it.
func (o options) measure(start server, name, script string) (result, error) {
	return o.measureLaunched(start.launch, name, script)
}

// measureLaunched is measure for a target of any number of processes.
func (o options) measureLaunched(start launcher, name, script string) (result, error) {
	res := result{name: name}
	addr, err := freeAddr()
	if err != nil {
		return res, err
	}
	began := time.Now()
	target, err := start(addr)
	if err != nil {
		return res, fmt.Errorf("%s: %w", name, err)
	}
	defer target.stop()
	if res.healthy, err = waitHealthy(addr, target.health, began); err != nil {
		return res, fmt.Errorf("%s: %w", name, err)
	}
	path := filepath.Join(o.out, "workload.lua")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return res, err
	}
	out, err := exec.Command("wrk", "-t", strconv.Itoa(o.threads), "-c", strconv.Itoa(o.connections),
		"-d", fmt.Sprintf("%ds", int(o.duration.Round(time.Second).Seconds())), "--latency", "-s", path, "http://"+addr).CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("%s: wrk: %v\n%s", name, err, out)
	}
	if err := parseWrk(string(out), &res); err != nil {
		return res, fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	res.peakRSS, res.rss = memory(target.pid)
	fmt.Printf("%-52s %9.0f req/s  p50 %-9s p99 %-9s peak RSS %6.1f MB  healthy in %s\n",
		name, res.rps, res.p50, res.p99, float64(res.peakRSS)/1024, res.healthy.Round(time.Millisecond))
	if target.after != nil {
		if err := target.after(addr); err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
	}
	return res, nil
}

// build compiles each package to its binary path.
func build(bins map[string]string) error {
	for bin, pkg := range bins {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
	}
	return nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHealthy polls every millisecond until the health path answers 200 (or, with no
// health path, until anything answers).
func waitHealthy(addr, path string, began time.Time) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	for time.Since(began) < 60*time.Second {
		resp, err := client.Get("http://" + addr + path)
		if err == nil {
			resp.Body.Close()
			if path == "" || resp.StatusCode == http.StatusOK {
				return time.Since(began), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, errors.New("not healthy after 60s")
}

var (
	rpsRe     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	totalRe   = regexp.MustCompile(`(\d+) requests in`)
	non2xxRe  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	latencyRe = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

func parseWrk(out string, res *result) error {
	m := rpsRe.FindStringSubmatch(out)
	if m == nil {
		return errors.New("no Requests/sec in wrk output")
	}
	res.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := totalRe.FindStringSubmatch(out); m != nil {
		res.requests, _ = strconv.Atoi(m[1])
	}
	if m := non2xxRe.FindStringSubmatch(out); m != nil {
		res.non2xx, _ = strconv.Atoi(m[1])
	}
	if strings.Contains(out, "Socket errors") {
		return errors.New("wrk reported socket errors")
	}
	for _, m := range latencyRe.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit)).Round(time.Microsecond)
		if m[1] == "50" {
			res.p50 = d
		} else {
			res.p99 = d
		}
	}
	return nil
}

// memory returns VmHWM (peak) and VmRSS of a process, in kB.
func memory(pid int) (peak, rss int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			peak = v
		case "VmRSS:":
			rss = v
		}
	}
	return peak, rss
}

// checkWorkload sends each request once to a fresh usermock and checks the status class, so
// the benchmark measures the intended mix (valid creates succeed, the rest are refused).
func checkWorkload(usermock string, reqs []request) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cmd, _ := usermockServer(usermock)(addr)
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if _, err := waitHealthy(addr, "/__health", time.Now()); err != nil {
		return err
	}
	for i, r := range reqs {
		body := strings.NewReplacer("{{N}}", fmt.Sprint(i+1), "{{HEX24}}", fmt.Sprintf("%024x", i+1), "{{HEX12}}", fmt.Sprintf("%012x", i+1)).Replace(r.body)
		req, _ := http.NewRequest(r.method, "http://"+addr+"/"+r.api+r.path, bytes.NewBufferString(body))
		for k, v := range r.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		ok := resp.StatusCode/100 == 2
		if ok != (r.kind == "valid") || resp.StatusCode >= 500 {
			return fmt.Errorf("workload: %s %s request got %d", r.api, r.kind, resp.StatusCode)
		}
	}
	return nil
}

func filter(reqs []request, keep func(request) bool) []request {
	var out []request
	for _, r := range reqs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func printMachine() {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	out, _ := exec.Command("nproc").Output()
	wrk, _ := exec.Command("wrk", "-v").CombinedOutput()
	goV, _ := exec.Command("go", "version").Output()
	fmt.Printf("machine: %s, %s cores; %s; %s\n", cpu, strings.TrimSpace(string(out)),
		strings.TrimSpace(strings.SplitN(string(wrk), "\n", 2)[0]), strings.TrimSpace(string(goV)))
}

func printTable(rows []result) {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\treq/s\tp50\tp99\trequests\tnon-2xx\tpeak RSS MB\tRSS MB\thealthy\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%d\t%d\t%.1f\t%.1f\t%s\t\n", r.name, r.rps, r.p50, r.p99, r.requests, r.non2xx,
			float64(r.peakRSS)/1024, float64(r.rss)/1024, r.healthy.Round(time.Millisecond))
	}
	tw.Flush()
}

var apiIDs = []string{"crm", "pland", "pulse", "ruangkerja", "superfy"}

// targets are the requests/s each API must reach as a fraction of the ceiling's.
var targets = map[string]float64{"crm": 0.75, "pland": 0.75, "pulse": 0.85, "ruangkerja": 0.85, "superfy": 0.75}

// ratio is one API's valid creates on usermock against the ceiling.
type ratio struct {
	api         string
	um, ceiling float64
	target      float64
}

// printRatios ends the run with the verdicts: each API against its ceiling target, and
// usermock against Prism (at least 10x).
func printRatios(ratios []ratio, prism []float64) {
	fmt.Println()
	for i, r := range ratios {
		verdict := "met"
		if r.um/r.ceiling < r.target {
			verdict = "MISSED"
		}
		line := fmt.Sprintf("%-10s usermock/ceiling %.2f (target %.2f: %s)", r.api, r.um/r.ceiling, r.target, verdict)
		if i < len(prism) {
			pv := "met"
			if prism[i] < 10 {
				pv = "MISSED"
			}
			line += fmt.Sprintf("   usermock/Prism %.1fx (target 10x: %s)", prism[i], pv)
		}
		fmt.Println(line)
	}
}
