package repo

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoRoot is the module root, where this test lives.
const repoRoot = "."

// sqlMethods are the pgx calls that take SQL text, with the position of the SQL argument.
var sqlMethods = map[string]int{"Exec": 1, "Query": 1, "QueryRow": 1, "Queue": 0, "Prepare": 2}

// TestSQL_OnlyConstantOrAudited parses every non-test Go file and checks the SQL argument of
// every pgx call: it must be a constant (a literal, a named constant, or a concatenation of
// those), or sit in a function whose dynamic statement was reviewed (audited).
func TestSQL_OnlyConstantOrAudited(t *testing.T) {
	t.Parallel()
	findings, err := scanSQL(repoRoot)
	require.NoError(t, err)
	var unaudited []string
	for _, f := range findings {
		if _, ok := reviewed[f.where()]; !ok {
			unaudited = append(unaudited, f.String())
		}
	}
	require.Empty(t, unaudited, "SQL built at run time without review: make it a constant, or review it and add it to reviewed:\n%s",
		strings.Join(unaudited, "\n"))
	t.Logf("%d dynamic statements, all reviewed", len(findings))
	for where := range reviewed {
		if !slices.ContainsFunc(findings, func(f finding) bool { return f.where() == where }) {
			t.Logf("reviewed entry %s no longer builds SQL at run time: it can go", where)
		}
	}
}

// TestScanSQL_FlagsDynamic checks the scanner on code it must reject and code it must accept.
func TestScanSQL_FlagsDynamic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `package p

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const q = "SELECT 1 FROM t WHERE a = $1"

func ok(ctx context.Context, c *pgx.Conn, schema string) {
	const local = "SELECT 2"
	c.Exec(ctx, q, 1)
	c.Exec(ctx, local)
	c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	c.QueryRow(ctx, ` + "`SELECT `" + ` + q)
	var b pgx.Batch
	b.Queue(q)
}

func bad(ctx context.Context, c *pgx.Conn, name string) {
	c.Exec(ctx, "SELECT * FROM agents WHERE name = '"+name+"'")
	c.Query(ctx, fmt.Sprintf("SELECT %s", name))
	var b pgx.Batch
	b.Queue("DELETE FROM " + name)
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600))
	findings, err := scanSQL(dir)
	require.NoError(t, err)
	var lines []int
	for _, f := range findings {
		require.Equal(t, "bad", f.fn, f.String())
		lines = append(lines, f.line)
	}
	require.Equal(t, []int{23, 24, 26}, lines)
}

// reviewed are the functions whose SQL is assembled at run time, each read and judged safe:
// "file:function" → why nothing from outside can reach the statement text. A new dynamic
// statement fails TestSQL_OnlyConstantOrAudited until it is made constant, or reviewed and
// listed here (say why in the commit).
var reviewed = map[string]string{
	"internal/api/agents.go:listAgents":               "the statement is an entry of agentListQueries, a fixed map of constant queries selected by a validated sort and direction; every value is a $n parameter",
	"internal/daemon/replay.go:CountRange":            "table ranges over rangeTables, a fixed list in the package, and is quoted with pgx.Identifier; values are $n parameters",
	"internal/dbcompare/dbcompare.go:Table":           "sql is an entry of the fixed queries map; a table name that is not a key is refused before any query",
	"internal/sink/aggcheck.go:CheckAggregates":       "the statement joins the stored and scratch queries of aggChecks, a fixed list of package constants, with a constant tail; the chain is a $n parameter",
	"internal/sink/aggregates.go:recomputeAggregates": "q is the argument of the local queue closure; queueAggregatesFull passes only package constants (qAgg*)",
	"internal/sink/rollups.go:updateRollups":          "rollupSQL fills the fixed names TABLE and UNIT of package constants (qRollup*) from rollupUnits, a fixed list of table names and date_trunc units; values are $n parameters",
	"internal/sink/rebuild.go:RebuildAggregates":      "q ranges over qRebuild, a fixed list of package constants; the chain is a $n parameter",
	"cmd/bench/analytics.go:timeQuery":                "benchmark: q is one of runAnalytics' constant query literals passed through latency/slowest; values are $n parameters",
	"internal/sink/append.go:appendStatements":        "q is the parameter of the local queue closure; every call passes a package constant (qAppend*, qRecomputeDerivedIndexes); values are $n parameters",
	"internal/sink/postgres.go:deleteRange":           "table ranges over rangeTables, a fixed list of table names in the same file; values are $n parameters",
	"internal/sink/recompute.go:recompute":            "q is the argument of the local queue closure, which every caller passes a package constant (qRecompute*)",
	"internal/testpg/testpg.go:Exec":                  "test helper: runs the statement its own test passes",
	"migrations/migrations.go:apply":                  "ident and table are pgx.Identifier{...}.Sanitize() of the configured schema (checked against ^[A-Za-z_][A-Za-z0-9_]{0,62}$ by config.Validate as well)",
	"migrations/migrations.go:applyOne":               "ident and table are the sanitized identifiers passed by apply; m.SQL is an embedded migration file (go:embed), never input",
}

type finding struct {
	file, fn string
	line     int
	expr     string
}

func (f finding) where() string { return f.file + ":" + f.fn }
func (f finding) String() string {
	return fmt.Sprintf("%s:%d in %s: %s", f.file, f.line, f.fn, f.expr)
}

// scanSQL returns every pgx call of the repository whose SQL argument is not constant.
func scanSQL(root string) ([]finding, error) {
	var out []finding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", "tmp":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fs, err := scanFile(root, path)
		out = append(out, fs...)
		return err
	})
	return out, err
}

func scanFile(root, path string) ([]finding, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, path)
	rel = filepath.ToSlash(rel)
	consts := packageConsts(filepath.Dir(path))
	var out []finding
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pos, ok := sqlMethods[sel.Sel.Name]
			if !ok || len(call.Args) <= pos {
				return true
			}
			arg := call.Args[pos]
			if !isConstant(arg, consts, fd) || !looksLikeSQLCall(sel, call, pos) {
				if looksLikeSQLCall(sel, call, pos) {
					out = append(out, finding{file: rel, fn: fd.Name.Name, line: fset.Position(call.Pos()).Line,
						expr: string(src[fset.Position(arg.Pos()).Offset:fset.Position(arg.End()).Offset])})
				}
			}
			return true
		})
	}
	return out, nil
}

// looksLikeSQLCall tells pgx calls from unrelated methods of the same name (a Valkey pipeline,
// an HTTP client): the call must pass a context first (Exec, Query, QueryRow) or be a
// pgx.Batch's Queue with a string.
func looksLikeSQLCall(sel *ast.SelectorExpr, call *ast.CallExpr, pos int) bool {
	if pos == 0 {
		return sel.Sel.Name == "Queue"
	}
	first, ok := call.Args[0].(*ast.Ident)
	if ok && (first.Name == "ctx" || strings.HasSuffix(first.Name, "ctx") || strings.HasSuffix(first.Name, "Ctx")) {
		return true
	}
	if c, ok := call.Args[0].(*ast.CallExpr); ok {
		if s, ok := c.Fun.(*ast.SelectorExpr); ok {
			return slices.Contains([]string{"Background", "TODO", "WithoutCancel", "Context"}, s.Sel.Name)
		}
	}
	return false
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// isConstant reports whether e is a compile-time constant string: a literal, a package
// constant, a function-local constant, or + of constants.
func isConstant(e ast.Expr, consts map[string]bool, fd *ast.FuncDecl) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Kind == token.STRING
	case *ast.ParenExpr:
		return isConstant(x.X, consts, fd)
	case *ast.BinaryExpr:
		return x.Op == token.ADD && isConstant(x.X, consts, fd) && isConstant(x.Y, consts, fd)
	case *ast.Ident:
		return identRe.MatchString(x.Name) && (consts[x.Name] || localConst(fd, x.Name))
	case *ast.CallExpr:
		return isSanitizedIdentifier(x)
	}
	return false
}

// isSanitizedIdentifier matches pgx.Identifier{...}.Sanitize(): an identifier quoted by pgx,
// which cannot break out of its quotes whatever the parts hold.
func isSanitizedIdentifier(c *ast.CallExpr) bool {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Sanitize" || len(c.Args) != 0 {
		return false
	}
	lit, ok := sel.X.(*ast.CompositeLit)
	if !ok {
		return false
	}
	typ, ok := lit.Type.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := typ.X.(*ast.Ident)
	return ok && pkg.Name == "pgx" && typ.Sel.Name == "Identifier"
}

// localConst reports whether name is declared with const inside fd.
func localConst(fd *ast.FuncDecl, name string) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			return true
		}
		for _, s := range gd.Specs {
			for _, id := range s.(*ast.ValueSpec).Names {
				found = found || id.Name == name
			}
		}
		return true
	})
	return found
}

// packageConsts returns the names of the package-level constants of the package in dir.
func packageConsts(dir string) map[string]bool {
	out := map[string]bool{}
	fset := token.NewFileSet()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				for _, id := range s.(*ast.ValueSpec).Names {
					out[id.Name] = true
				}
			}
		}
	}
	return out
}
