// The subcommand framework of the indexer binary, on the standard flag package.
//
// # Adding a subcommand
//
// Each subcommand lives in its own file (run.go, dev.go, migrate.go, status.go, ...) and
// registers itself from that file's init:
//
//	func init() {
//		var toBlock uint64 // a flag of this command only: captured by both closures
//		register(command{
//			name:    "rewind",
//			summary: "delete everything indexed above a block and move the cursor",
//			help: `Long description: what it does, what it touches, when to use it.
//
//	Examples:
//	  indexer rewind --chain sepolia --to-block 9990000`,
//			flags: func(fs *flag.FlagSet, cfg *config.Config) {
//				cfg.DatabaseFlags(fs) // shared flags come in groups, see internal/config
//				cfg.ChainFlags(fs)
//				fs.Uint64Var(&toBlock, "to-block", 0, "last `block` to keep")
//			},
//			run: func(ctx context.Context, cfg *config.Config, args []string) error {
//				if err := cfg.Require("database-url", "chain"); err != nil {
//					return err
//				}
//				return rewind(ctx, cfg, toBlock)
//			},
//		})
//	}
//
// What the framework does for every command, in order: it binds --log-format and --log-level and
// the command's flags on a fresh config.Default(); fills bound flags from their environment
// variables (config.ApplyEnv); parses the command line (flags first, then positional arguments);
// rejects positional arguments unless the command sets args; runs cfg.Validate(); then calls run
// with the signal-cancelled context. --help/-h prints the command's help and succeeds.
//
// What run must do: check the values it needs with cfg.Require, build its logger with
// cfg.Logger() if it logs, print its results on stdout, and return errors rather than printing
// them (main prints one line, "indexer: <command>: <error>", and exits 1). Returning ctx.Err()
// after SIGINT/SIGTERM is a clean exit (status 0). Do not call os.Exit or log.Fatal.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
)

// command is one subcommand of the indexer binary. See the file comment for how to add one.
type command struct {
	// name is the word after "indexer" on the command line.
	name string
	// summary is one lowercase line for the command list of 'indexer --help'.
	summary string
	// help is the long description with examples, printed by 'indexer help <name>'.
	help string
	// args is the synopsis of the positional arguments (e.g. "<file>"); empty means the command
	// accepts none and the framework rejects any.
	args string
	// flags binds the command's flags on fs: config groups on cfg and its own options. It may be
	// nil for a command without flags of its own.
	flags func(fs *flag.FlagSet, cfg *config.Config)
	// run executes the command with the parsed configuration and the positional arguments.
	run func(ctx context.Context, cfg *config.Config, args []string) error
}

// commands holds the registered subcommands by name; it is written only by init functions.
var commands = map[string]command{}

// register adds c to the binary's subcommands. It is meant to be called from init, and panics on
// a duplicate or incomplete registration: both are programming errors caught by any test run.
func register(c command) {
	if c.name == "" || strings.HasPrefix(c.name, "-") || c.summary == "" || c.run == nil {
		panic(fmt.Sprintf("register %q: name, summary and run are required", c.name))
	}
	if _, dup := commands[c.name]; dup {
		panic(fmt.Sprintf("register %q: registered twice", c.name))
	}
	commands[c.name] = c
}

// dispatch runs the command line args (without the program name). Help goes to stdout; the
// returned error is for main to print.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("no command given (see 'indexer --help')")
	}
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 || name != "help" {
			printUsage(stdout)
			return nil
		}
		c, ok := commands[args[1]]
		if !ok {
			return unknownCommand(args[1])
		}
		printHelp(stdout, c)
		return nil
	}

	name := args[0]
	c, ok := commands[name]
	if !ok {
		if strings.HasPrefix(name, "-") {
			return fmt.Errorf("flags go after the command: indexer <command> [flags] (see 'indexer --help')")
		}
		return unknownCommand(name)
	}

	cfg := config.Default()
	fs := newFlagSet(c, &cfg)
	if err := config.ApplyEnv(fs, getenv); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, c)
			return nil
		}
		return fmt.Errorf("%s: %w (see 'indexer %s --help')", name, err, name)
	}
	if c.args == "" && fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (see 'indexer %s --help')", name, fs.Arg(0), name)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := c.run(ctx, &cfg, fs.Args()); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// newFlagSet binds c's flags and the logging flags on cfg. The flag package's own messages and
// usage dump are silenced: dispatch reports a parse error as one line.
func newFlagSet(c command, cfg *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("indexer "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	cfg.LogFlags(fs)
	if c.flags != nil {
		c.flags(fs, cfg)
	}
	return fs
}

func unknownCommand(name string) error {
	return fmt.Errorf("unknown command %q (commands: %s; see 'indexer --help')", name, strings.Join(commandNames(), ", "))
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// printUsage prints the top-level help: what the binary is and the list of commands.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `indexer follows EVM chains, decodes every event of the ERC-8004 registries (Identity, Reputation,
Validation) into PostgreSQL, and publishes the indexed head and hot aggregates to Valkey.

Usage:
  indexer <command> [flags]

Commands:
`)
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Run 'indexer help <command>' or 'indexer <command> --help' for its flags and examples.
Flags also read the environment variables shown in [brackets] in each command's help.
`)
}

// printHelp prints a command's help. Its flags are bound on a fresh Default() config and never on
// the environment, so the defaults shown cannot leak a secret from DATABASE_URL or the like.
func printHelp(w io.Writer, c command) {
	cfg := config.Default()
	fs := newFlagSet(c, &cfg)
	synopsis := "indexer " + c.name + " [flags]"
	if c.args != "" {
		synopsis += " " + c.args
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n", synopsis, upperFirst(c.summary))
	if h := strings.TrimSpace(c.help); h != "" {
		fmt.Fprintf(w, "\n%s\n", h)
	}
	fmt.Fprint(w, "\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintf(w, "%s\n        %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
