package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a process the harness started; its stdout and stderr go to log.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string        // path of the output file
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// children are the running processes, stopped together.
type children []*child

// start runs bin with args and env (added to the harness's environment).
// The process is killed if the harness dies (Pdeathsig), and by stopAll.
// When firstLine is not nil, the first line of stdout is sent to it.
func (cs *children) start(name, bin string, args, env []string, logPath string, firstLine chan<- string) (*child, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout io.ReadCloser
	if firstLine != nil {
		if stdout, err = cmd.StdoutPipe(); err != nil {
			out.Close()
			return nil, err
		}
	} else {
		cmd.Stdout = out
	}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	*cs = append(*cs, c)
	if stdout != nil {
		go func() {
			r := bufio.NewReader(stdout)
			line, _ := r.ReadString('\n')
			firstLine <- strings.TrimSpace(line)
			io.Copy(out, r)
		}()
	}
	go func() {
		c.err = cmd.Wait()
		out.Close()
		close(c.done)
	}()
	return c, nil
}

// pid is the process id, for /proc.
func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the process to end (SIGTERM) and kills it after a grace period.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// stopAll stops every process, the last started first.
func (cs children) stopAll() {
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i].stop()
	}
}

// exited reports an error when the process has ended already.
func (c *child) exited() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s exited (%v); its output:\n%s", c.name, c.err, tail(c.log, 30))
	default:
		return nil
	}
}

// waitHTTP polls url until it answers 200, the process exits or ctx ends.
func (c *child) waitHTTP(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if err := c.exited(); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer %s: %w; its output:\n%s", c.name, url, ctx.Err(), tail(c.log, 30))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// readLine waits for the line a child prints when ready.
func (c *child) readLine(ctx context.Context, lines <-chan string) (string, error) {
	select {
	case l := <-lines:
		if l == "" {
			return "", fmt.Errorf("%s printed nothing; its output:\n%s", c.name, tail(c.log, 30))
		}
		return l, nil
	case <-c.done:
		return "", c.exited()
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("%s did not start in 30s", c.name)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// cpuTime is the user plus system CPU time the process has used, from
// fields 14 and 15 of /proc/PID/stat, in clock ticks of tick.
func cpuTime(pid int, tick time.Duration) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * tick, nil
}

// clockTick is the length of one clock tick: 1s / `getconf CLK_TCK`
// (100 on Linux when getconf is missing).
func clockTick() time.Duration {
	hz := int64(100)
	if out, err := exec.Command("getconf", "CLK_TCK").Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && n > 0 {
			hz = n
		}
	}
	return time.Second / time.Duration(hz)
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// build compiles orgsso and the two helper programs into dir.
func build(ctx context.Context, dir string) (orgsso, idp, baseline string, err error) {
	orgsso, idp, baseline = filepath.Join(dir, "orgsso"), filepath.Join(dir, "idp"), filepath.Join(dir, "baseline")
	for _, b := range [][2]string{{orgsso, "."}, {idp, "./e2e/load/idp"}, {baseline, "./e2e/load/baseline"}} {
		out, err := exec.CommandContext(ctx, "go", "build", "-o", b[0], b[1]).CombinedOutput()
		if err != nil {
			return "", "", "", fmt.Errorf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return orgsso, idp, baseline, nil
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// countIn counts the occurrences of s in the file at path.
func countIn(path, s string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), s)
}
