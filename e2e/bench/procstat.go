package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// Proc is a process whose resources a run measures.
type Proc struct {
	Name string
	Pid  int
}

// ProcUsage is what one process used during one run.
type ProcUsage struct {
	Name       string  `json:"name"`
	Pid        int     `json:"pid"`
	CPUSeconds float64 `json:"cpu_s"`        // user+system CPU during the run
	PeakRSSMiB float64 `json:"peak_rss_mib"` // highest VmRSS sampled during the run
	HWMMiB     float64 `json:"vmhwm_mib"`    // VmHWM at the end: the process's peak since it started
}

// CPUTicks parses utime+stime (clock ticks) from a /proc/<pid>/stat line.
// The command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func CPUTicks(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short stat")
	}
	u, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	s, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return u + s, nil
}

// StatusKiB reads a "Name:   N kB" field of a /proc/<pid>/status text.
func StatusKiB(status []byte, field string) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func readTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	t, _ := CPUTicks(b)
	return t
}

func readStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	n, _ := StatusKiB(b, field)
	return n
}

// Sampler measures processes during a run: CPU time as the difference of
// /proc/<pid>/stat between start and stop, and peak RSS by sampling VmRSS.
type Sampler struct {
	procs []Proc
	start []int64
	peak  []int64
	mu    sync.Mutex
	stop  chan struct{}
	done  chan struct{}
}

// StartSampler starts sampling every interval.
func StartSampler(procs []Proc, interval time.Duration) *Sampler {
	s := &Sampler{procs: procs, start: make([]int64, len(procs)), peak: make([]int64, len(procs)),
		stop: make(chan struct{}), done: make(chan struct{})}
	for i, p := range procs {
		s.start[i] = readTicks(p.Pid)
	}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *Sampler) sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.procs {
		s.peak[i] = max(s.peak[i], readStatus(p.Pid, "VmRSS"))
	}
}

// Stop ends sampling and returns each process's usage.
func (s *Sampler) Stop() []ProcUsage {
	close(s.stop)
	<-s.done
	s.sample()
	out := make([]ProcUsage, len(s.procs))
	for i, p := range s.procs {
		out[i] = ProcUsage{
			Name: p.Name, Pid: p.Pid,
			CPUSeconds: round3(float64(readTicks(p.Pid)-s.start[i]) / clockTicks),
			PeakRSSMiB: round3(float64(s.peak[i]) / 1024),
			HWMMiB:     round3(float64(readStatus(p.Pid, "VmHWM")) / 1024),
		}
	}
	return out
}
