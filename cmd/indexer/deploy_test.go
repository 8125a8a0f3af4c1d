package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/metrics"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testdb"
	"github.com/erc8004-indexer/erc8004-indexer/internal/testvalkey"
)

// repoFile reads a file at the repository root.
func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	require.NoError(t, err)
	return b
}

// compose is the part of a Compose file the tests look at.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Profiles    []string          `yaml:"profiles"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestDeploy_Compose checks docker-compose.yml (no Docker engine here) and runs its indexer
// service's command with its environment against the loopback services, then its health check.
func TestDeploy_Compose(t *testing.T) {
	t.Parallel()
	var c compose
	require.NoError(t, yaml.Unmarshal(repoFile(t, "docker-compose.yml"), &c))
	for _, name := range []string{"postgres", "valkey", "indexer"} {
		require.Contains(t, c.Services, name)
	}
	known := config.EnvVars()
	for name, s := range c.Services {
		require.NotNil(t, s.Healthcheck, "%s has a health check", name)
		require.NotEmpty(t, s.Healthcheck.Test, name)
		for _, v := range s.Volumes {
			vol, _, _ := strings.Cut(v, ":")
			require.Contains(t, c.Volumes, vol, "%s uses a named volume", name)
		}
		if s.Build == nil {
			continue
		}
		// An indexer service: a registered command, variables the binary reads, healthy deps.
		require.Contains(t, commands, s.Command[0], name)
		for k := range s.Environment {
			require.Contains(t, known, k, "%s sets %s, which the indexer does not read", name, k)
		}
		require.Equal(t, "service_healthy", s.DependsOn["postgres"].Condition, name)
		require.Equal(t, "service_healthy", s.DependsOn["valkey"].Condition, name)
		require.Equal(t, []string{"CMD", "/usr/local/bin/indexer", "status"}, s.Healthcheck.Test, name)
	}
	require.Equal(t, []string{"127.0.0.1:5432:5432"}, c.Services["postgres"].Ports, "the development services' ports")
	require.Equal(t, []string{"127.0.0.1:6379:6379"}, c.Services["valkey"].Ports)
	ix := c.Services["indexer"]
	require.Empty(t, ix.Profiles, "the dev indexer starts by default")
	require.Equal(t, "dev", ix.Command[0])

	// The same stack with the local services: the compose hosts become loopback, the database a
	// test schema and Valkey a test key prefix; the command bounded to a few blocks.
	_, schema, dsn := testdb.NewEmpty(t)
	_, prefix := testvalkey.New(t)
	dbURL, err := url.Parse(ix.Environment["DATABASE_URL"])
	require.NoError(t, err)
	require.Equal(t, "postgres:5432", dbURL.Host)
	vkURL, err := url.Parse(ix.Environment["VALKEY_URL"])
	require.NoError(t, err)
	require.Equal(t, "valkey:6379", vkURL.Host)
	vkURL.Host = strings.TrimPrefix(strings.TrimPrefix(testvalkey.URL(), "redis://"), "rediss://")
	vkURL.Host, _, _ = strings.Cut(vkURL.Host, "/")
	env := []string{"DATABASE_URL=" + dsn, "DB_SCHEMA=" + schema, "VALKEY_URL=" + vkURL.String(), "KEY_PREFIX=" + prefix}
	args := append(slices.Clone(ix.Command), "--blocks", "5", "--log-level", "error")
	r := runIndexer(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `dev: blocks=\d+ events=\d+ reorgs=0 mismatches=0\n$`, r.stdout)
	r = runIndexer(t, env, ix.Healthcheck.Test[2:]...)
	require.Equal(t, 0, r.code, "the health check passes once the indexer runs: %s", r.stderr)
	require.Contains(t, r.stdout, "1337")
}

// TestDeploy_Render checks render.yaml: a Docker worker with two instances (HA) wired to a
// Render Postgres database and a Key Value instance by variables the indexer reads.
func TestDeploy_Render(t *testing.T) {
	t.Parallel()
	var bp struct {
		Services []struct {
			Type            string `yaml:"type"`
			Name            string `yaml:"name"`
			Runtime         string `yaml:"runtime"`
			DockerfilePath  string `yaml:"dockerfilePath"`
			DockerCommand   string `yaml:"dockerCommand"`
			NumInstances    int    `yaml:"numInstances"`
			HealthCheckPath string `yaml:"healthCheckPath"`
			MaxmemoryPolicy string `yaml:"maxmemoryPolicy"`
			IPAllowList     []any  `yaml:"ipAllowList"`
			EnvVars         []struct {
				Key          string `yaml:"key"`
				Value        string `yaml:"value"`
				Sync         *bool  `yaml:"sync"`
				FromDatabase *struct {
					Name, Property string
				} `yaml:"fromDatabase"`
				FromService *struct {
					Type, Name, Property string
				} `yaml:"fromService"`
			} `yaml:"envVars"`
		} `yaml:"services"`
		Databases []struct {
			Name                 string `yaml:"name"`
			PostgresMajorVersion string `yaml:"postgresMajorVersion"`
		} `yaml:"databases"`
	}
	require.NoError(t, yaml.Unmarshal(repoFile(t, "render.yaml"), &bp))
	services := map[string]string{}
	for _, s := range bp.Services {
		services[s.Name] = s.Type
	}
	require.Len(t, bp.Databases, 1)
	require.GreaterOrEqual(t, bp.Databases[0].PostgresMajorVersion, "14")
	workers, apis := 0, 0
	for _, s := range bp.Services {
		if s.Type == "keyvalue" {
			require.Equal(t, "noeviction", s.MaxmemoryPolicy)
			require.NotNil(t, s.IPAllowList, "required for Key Value")
			continue
		}
		if s.Type == "web" {
			// The read API: its own service on the same database and Key Value instance.
			apis++
			require.Equal(t, "/usr/local/bin/indexer api", s.DockerCommand)
			require.Equal(t, "/healthz", s.HealthCheckPath)
			keys := map[string]string{}
			for _, e := range s.EnvVars {
				require.Contains(t, config.EnvVars(), e.Key)
				keys[e.Key] = e.Value
			}
			require.Contains(t, keys, "DATABASE_URL")
			require.Contains(t, keys, "VALKEY_URL")
			require.Equal(t, "0.0.0.0:10000", keys["API_LISTEN"])
			continue
		}
		workers++
		require.Equal(t, "worker", s.Type)
		require.Equal(t, "docker", s.Runtime)
		require.Equal(t, "./Dockerfile", s.DockerfilePath)
		require.Equal(t, "/usr/local/bin/indexer run", s.DockerCommand)
		require.GreaterOrEqual(t, s.NumInstances, 2, "a standby for high availability")
		keys := map[string]bool{}
		for _, e := range s.EnvVars {
			require.Contains(t, config.EnvVars(), e.Key)
			keys[e.Key] = true
			switch {
			case e.FromDatabase != nil:
				require.Equal(t, bp.Databases[0].Name, e.FromDatabase.Name)
				require.Equal(t, "connectionString", e.FromDatabase.Property)
			case e.FromService != nil:
				require.Equal(t, "keyvalue", services[e.FromService.Name], e.FromService.Name)
				require.Equal(t, "connectionString", e.FromService.Property)
			case e.Sync != nil:
				require.False(t, *e.Sync, "a secret is asked for, never committed")
			}
		}
		for _, k := range []string{"DATABASE_URL", "VALKEY_URL", "CHAIN", "RPC_URL"} {
			require.True(t, keys[k], k)
		}
	}
	require.Equal(t, 1, workers)
	require.Equal(t, 1, apis)
}

// TestDeploy_Dockerfile checks the Dockerfile's shape: a build stage compiling a static binary,
// a final stage running it as a non-root user.
func TestDeploy_Dockerfile(t *testing.T) {
	t.Parallel()
	text := string(repoFile(t, "Dockerfile"))
	froms := regexp.MustCompile(`(?m)^FROM (\S+)(?: AS (\S+))?$`).FindAllStringSubmatch(text, -1)
	require.Len(t, froms, 2, "multi-stage")
	require.Equal(t, "build", froms[0][2])
	require.Regexp(t, `(?m)^\s+CGO_ENABLED=0 GOOS=linux go build .* -o /out/indexer \./cmd/indexer$`, text)
	final := text[strings.LastIndex(text, "\nFROM "):]
	require.Contains(t, final, "COPY --from=build /out/indexer /usr/local/bin/indexer")
	user := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(final)
	require.NotNil(t, user)
	require.NotContains(t, []string{"root", "0", "0:0", "root:root"}, user[1])
	require.Contains(t, final, `ENTRYPOINT ["/usr/local/bin/indexer"]`)
	require.Contains(t, final, `CMD ["run"]`)
	require.Contains(t, text, "FROM golang:"+goVersion(t)+"-", "the build image matches go.mod")
}

func goVersion(t *testing.T) string {
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(repoFile(t, "go.mod"))
	require.NotNil(t, m)
	return string(m[1])
}

// TestDeploy_Grafana checks that every metric the dashboard queries exists.
func TestDeploy_Grafana(t *testing.T) {
	t.Parallel()
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(repoFile(t, "deploy/grafana/erc8004-indexer.json"), &dash))
	fams, err := metrics.New().Registry().Gather()
	require.NoError(t, err)
	exists := map[string]bool{}
	for _, f := range fams { // the Go runtime and process collectors
		exists[f.GetName()] = true
	}
	for _, n := range metrics.Names() {
		exists[n] = true
	}
	used := map[string]bool{}
	nameRe := regexp.MustCompile(`\b((?:erc8004|go|process)_[a-z0-9_]+)`)
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			for _, m := range nameRe.FindAllStringSubmatch(tg.Expr, -1) {
				name := m[1]
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if base, ok := strings.CutSuffix(name, suffix); ok && exists[base] {
						name = base
					}
				}
				require.True(t, exists[name], "panel %q queries %s, which is not exported", p.Title, m[1])
				used[name] = true
			}
		}
	}
	for _, want := range []string{metrics.HeadBlock, metrics.IndexedBlock, metrics.LagBlocks, metrics.ReorgsTotal,
		metrics.ReorgDepthBlocks, metrics.RPCDurationSeconds, metrics.DBCommitSeconds, metrics.DecodeErrorsTotal,
		metrics.EventsTotal, metrics.IndexerActive} {
		require.True(t, used[want], fmt.Sprintf("the dashboard shows %s", want))
	}
}
