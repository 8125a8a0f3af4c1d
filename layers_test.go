package repo

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/erc8004-indexer/erc8004-indexer/"

// layers ranks every package of the module: a package may import only packages of a lower rank
// (docs/architecture.md draws them). From the bottom: pure helpers and the domain; the chain,
// storage, configuration and metrics; the small types consumers share; the engine and its
// fetchers; the consumers; the wiring; the development harnesses; the commands.
var layers = map[string]int{
	"internal/erc8004": 0, "internal/redact": 0, "internal/retry": 0, "internal/lock": 0,
	"internal/dbcompare": 0, "internal/testpg": 0, "internal/testvalkey": 0, "migrations": 0,
	"contracts/abi": 0,

	"internal/chain": 1, "internal/sink": 1, "internal/config": 1, "internal/metrics": 1,
	"internal/devchain": 1, "internal/synthchain": 1,

	"internal/feed": 2, "internal/verify": 2, "internal/testdb": 2,

	"internal/indexer": 3, "internal/payments": 3,

	"internal/publish": 4, "internal/offchain": 4, "internal/api": 4, "internal/httpserver": 4,

	"internal/daemon": 5,

	"internal/devmode": 6, "internal/soak": 6,

	"cmd/indexer": 7, "cmd/bench": 7, "cmd/soak": 7,
}

// TestLayers fails on an import that does not point down, and on a package with no rank.
func TestLayers(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	require.NoError(t, err, "go list")
	var violations []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue // the module root's own test package
		}
		rank, known := layers[pkg]
		if !known {
			violations = append(violations, pkg+": not in the layer table (give it a rank)")
			continue
		}
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if r, known := layers[dep]; known && r >= rank {
				violations = append(violations, pkg+" imports "+dep+": it does not point down")
			}
		}
	}
	require.Empty(t, violations)
}
