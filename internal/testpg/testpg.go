// Package testpg starts throwaway PostgreSQL clusters for tests that must do to a server what
// cannot be done to the shared one: restart it, crash it, or stream it to a read replica.
//
// Start runs initdb and pg_ctl from the PostgreSQL installation (PG_BIN, else the newest
// /usr/lib/postgresql/*/bin, else pg_config --bindir) into a fresh directory, on a free loopback
// port, with trust authentication on loopback only. A missing installation FAILS the test: a
// skipped fault test is a fault test that silently stopped testing. When the test runs as root
// (PostgreSQL refuses to), the server runs as the "postgres" system user.
//
// Clusters are tuned for tests (fsync off, small shared buffers): a crash of the server process
// (Restart with "immediate") loses nothing because the operating system keeps its page cache,
// but a crash of the machine would.
package testpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Cluster is one running (or stopped) PostgreSQL server owned by a test.
type Cluster struct {
	// Dir is the data directory.
	Dir string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Replica is set for a cluster made by StartReplica.
	Replica bool

	bin      string
	cred     *syscall.Credential // nil: run as the current user
	log      string              // server log file
	password string              // of user postgres; "" for trust authentication
}

// Options tune Start.
type Options struct {
	// Settings are extra postgresql.conf lines ("name = value").
	Settings []string
	// Password, when set, is the password of user postgres, and TCP connections must give it
	// (scram-sha-256) instead of being trusted.
	Password string
}

// Start creates and starts a cluster that is stopped and deleted when the test ends.
func Start(t testing.TB, o Options) *Cluster {
	t.Helper()
	c := newCluster(t)
	args := []string{"-D", c.Dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"}
	if o.Password != "" {
		c.password = o.Password
		pwfile := filepath.Join(filepath.Dir(c.Dir), "pwfile")
		if err := os.WriteFile(pwfile, []byte(o.Password+"\n"), 0o600); err != nil {
			t.Fatalf("testpg: %v", err)
		}
		if c.cred != nil {
			if err := os.Chown(pwfile, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				t.Fatalf("testpg: %v", err)
			}
		}
		args = append(args, "--pwfile", pwfile, "--auth-host", "scram-sha-256")
	}
	c.run(t, "initdb", args...)
	c.configure(t, o.Settings)
	c.Start(t)
	return c
}

// StartReplica takes a base backup of c with pg_basebackup -R (streaming replication, the
// standby configuration written by the tool) and starts it as a hot standby on its own port.
// It is stopped and deleted when the test ends.
func (c *Cluster) StartReplica(t testing.TB) *Cluster {
	t.Helper()
	r := newCluster(t)
	r.Replica = true
	r.password = c.password // the copy has the primary's roles and authentication
	// pg_basebackup wants an empty or missing directory.
	if err := os.Remove(r.Dir); err != nil {
		t.Fatalf("testpg: remove %s: %v", r.Dir, err)
	}
	r.run(t, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres", "-D", r.Dir,
		"-R", "-X", "stream", "--no-sync", "-c", "fast")
	// The copied configuration carries the primary's port and socket directory.
	r.configure(t, []string{"hot_standby = on"})
	r.Start(t)
	return r
}

func newCluster(t testing.TB) *Cluster {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		t.Fatalf("testpg: %v", err)
	}
	cred, err := serverCredential()
	if err != nil {
		t.Fatalf("testpg: %v", err)
	}
	// Not t.TempDir: its parents are private to the test's user, and the server may run as
	// another one.
	dir, err := os.MkdirTemp("", "testpg-")
	if err != nil {
		t.Fatalf("testpg: %v", err)
	}
	c := &Cluster{Dir: filepath.Join(dir, "data"), Port: freePort(t), bin: bin, cred: cred, log: filepath.Join(dir, "server.log")}
	if err := os.Mkdir(c.Dir, 0o700); err != nil {
		t.Fatalf("testpg: %v", err)
	}
	if cred != nil {
		for _, p := range []string{dir, c.Dir} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatalf("testpg: chown %s: %v", p, err)
			}
		}
	}
	t.Cleanup(func() {
		c.stop(t, "immediate")
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("testpg: remove %s: %v", dir, err)
		}
	})
	return c
}

// configure appends the test settings to postgresql.conf. Later lines win, so the settings of
// a copied primary configuration are overridden.
func (c *Cluster) configure(t testing.TB, extra []string) {
	t.Helper()
	lines := []string{
		"listen_addresses = '127.0.0.1'",
		"port = " + strconv.Itoa(c.Port),
		"unix_socket_directories = ''",
		"fsync = off",
		"full_page_writes = off",
		"shared_buffers = 16MB",
		"max_connections = 40",
		"wal_level = replica",
		"max_wal_senders = 4",
		"logging_collector = off",
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("testpg: %v", err)
	}
	defer f.Close()
	if _, err := f.WriteString("\n# testpg\n" + strings.Join(append(lines, extra...), "\n") + "\n"); err != nil {
		t.Fatalf("testpg: write postgresql.conf: %v", err)
	}
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	c.run(t, "pg_ctl", "-D", c.Dir, "-l", c.log, "-w", "-t", "60", "start")
}

// Stop stops the server: mode is "smart", "fast" (sessions terminated, clean shutdown) or
// "immediate" (a crash: recovery runs at the next start).
func (c *Cluster) Stop(t testing.TB, mode string) {
	t.Helper()
	c.run(t, "pg_ctl", "-D", c.Dir, "-m", mode, "-w", "-t", "60", "stop")
}

// Restart stops the server with mode and starts it again.
func (c *Cluster) Restart(t testing.TB, mode string) {
	t.Helper()
	c.Stop(t, mode)
	c.Start(t)
}

// stop is Stop for cleanups: a server that is already down is fine.
func (c *Cluster) stop(t testing.TB, mode string) {
	if _, err := os.Stat(filepath.Join(c.Dir, "postmaster.pid")); err != nil {
		return
	}
	if out, err := c.command("pg_ctl", "-D", c.Dir, "-m", mode, "-w", "-t", "60", "stop").CombinedOutput(); err != nil {
		t.Logf("testpg: stop %s: %v\n%s", c.Dir, err, out)
	}
}

// URL returns a connection string for user on database postgres, with extra run-time
// parameters (e.g. "search_path=x", "application_name=y") appended. For user postgres of a
// cluster with a password, the URL carries it.
func (c *Cluster) URL(user string, params ...string) string {
	auth := user
	if user == "postgres" && c.password != "" {
		auth = url.UserPassword(user, c.password).String()
	}
	u := fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", auth, c.Port)
	for _, p := range params {
		u += "&" + p
	}
	return u
}

// Pool opens a pool as user postgres, closed when the test ends.
func (c *Cluster) Pool(t testing.TB, params ...string) *pgxpool.Pool {
	t.Helper()
	return c.PoolAs(t, "postgres", params...)
}

// PoolAs opens a pool as user, closed when the test ends.
func (c *Cluster) PoolAs(t testing.TB, user string, params ...string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, c.URL(user, params...))
	if err != nil {
		t.Fatalf("testpg: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("testpg: ping %s as %s: %v", c.Dir, user, err)
	}
	return pool
}

// Exec runs one statement as postgres on a fresh connection.
func (c *Cluster) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("testpg: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("testpg: %s: %v", sql, err)
	}
}

// Log returns the server's log so far (for failure messages).
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}

func (c *Cluster) run(t testing.TB, tool string, args ...string) {
	t.Helper()
	out, err := c.command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testpg: %s %s: %v\n%s\nserver log:\n%s", tool, strings.Join(args, " "), err, out, tail(c.Log(), 3000))
	}
}

func (c *Cluster) command(tool string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, tool), args...)
	// The server must not inherit a PGDATA, PGPORT, etc. of the developer.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	if c.password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+c.password) // pg_basebackup of a primary with a password
	}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Dir = os.TempDir() // the postgres user may not enter the test's working directory
	}
	return cmd
}

// binDir finds the directory of initdb and pg_ctl.
func binDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql package or set PG_BIN")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// serverCredential returns the user to run the server as when the test runs as root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and there is no postgres user to run the server as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("postgres user has ids %s/%s", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testpg: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
