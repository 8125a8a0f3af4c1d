package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/erc8004-indexer/erc8004-indexer/internal/synthchain"
)

// chainFlags binds the synthetic chain's configuration on fs.
func chainFlags(fs *flag.FlagSet, c *synthchain.Config) {
	fs.Uint64Var(&c.Blocks, "blocks", 1000, "head block `number`")
	fs.Uint64Var(&c.EventsPerBlock, "events-per-block", 5, "registry logs per block that carries logs")
	fs.Uint64Var(&c.EventEvery, "event-every", 1, "only every `N`th block carries logs")
	fs.Uint64Var(&c.GapEvery, "gap-every", 0, "period of the quiet stretches in `blocks` (0: none)")
	fs.Uint64Var(&c.GapLength, "gap-length", 0, "length of each quiet stretch in `blocks`")
	fs.IntVar(&c.MaxLogs, "max-logs", 10_000, "most logs per eth_getLogs answer (negative: no limit)")
	fs.Int64Var(&c.MaxRange, "max-range", 10_000, "widest eth_getLogs block range (negative: no limit)")
	fs.IntVar(&c.MaxBatch, "max-batch", 1000, "most calls per JSON-RPC batch")
	fs.Uint64Var(&c.Seed, "seed", 1, "traffic `seed`")
}

// args renders c as the serve command line.
func chainArgs(c synthchain.Config) []string {
	return []string{"serve", "-blocks", fmt.Sprint(c.Blocks), "-events-per-block", fmt.Sprint(c.EventsPerBlock),
		"-event-every", fmt.Sprint(c.EventEvery), "-gap-every", fmt.Sprint(c.GapEvery),
		"-gap-length", fmt.Sprint(c.GapLength), "-max-logs", fmt.Sprint(c.MaxLogs),
		"-max-range", fmt.Sprint(c.MaxRange), "-max-batch", fmt.Sprint(c.MaxBatch), "-seed", fmt.Sprint(c.Seed)}
}

// serve runs the synthetic chain until ctx ends (or stdin closes, so that a child dies with its
// parent) and prints "synthchain: url=URL head=N events=N" once it listens.
func serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	var cfg synthchain.Config
	chainFlags(fs, &cfg)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address`")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the server to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	c, err := synthchain.New(cfg)
	if err != nil {
		return err
	}
	srv, err := synthchain.Start(c, *addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "synthchain: url=%s head=%d finalized=%d events=%d built_in=%s\n", srv.URL(), c.Head(),
		c.Finalized(), c.Events(c.Head()), time.Since(start).Round(time.Millisecond))
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-ctx.Done():
	case <-eof:
	}
	return nil
}

// child is a synthetic chain served by a child process, so that its CPU and memory are not
// counted as the indexer's.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	head  uint64
	final uint64
	event uint64
}

// startChild runs `bench serve` for cfg and waits for its URL.
func startChild(ctx context.Context, cfg synthchain.Config, profile string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	args := chainArgs(cfg)
	if profile != "" {
		args = append(args, "-cpuprofile", profile)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start synthetic chain: %w", err)
	}
	ch := &child{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		ch.stop()
		return nil, fmt.Errorf("read synthetic chain url: %w", err)
	}
	var built string
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "synthchain: url=%s head=%d finalized=%d events=%d built_in=%s",
		&ch.url, &ch.head, &ch.final, &ch.event, &built); err != nil {
		ch.stop()
		return nil, fmt.Errorf("parse %q: %w", line, err)
	}
	return ch, nil
}

// stats reads the server's counters.
func (c *child) stats(ctx context.Context) (synthchain.Stats, error) {
	var st synthchain.Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/stats", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("read server stats: %w", err)
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// cpu returns the child's CPU time so far.
func (c *child) cpu() time.Duration {
	return procCPU(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
}

// stop ends the child: closing its stdin makes it exit; the kill is for a stuck one.
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = c.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
