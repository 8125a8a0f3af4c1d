// Command indexer indexes the ERC-8004 registries of EVM chains into PostgreSQL and publishes to
// Valkey. Run 'indexer --help' for its subcommands; cli.go describes how to add one.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	os.Exit(realMain())
}

// realMain runs the command line under a context cancelled by SIGINT or SIGTERM and turns the
// outcome into an exit status. It is separate from main so that deferred calls run before exit.
func realMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, restore the default handling: a second Ctrl-C during a slow
	// shutdown kills the process instead of being swallowed.
	go func() {
		<-ctx.Done()
		stop()
	}()

	err := dispatch(ctx, os.Args[1:], os.Getenv, os.Stdout)
	// A command that stops because it was asked to (Ctrl-C, a service manager's SIGTERM)
	// has succeeded.
	if err == nil || errors.Is(err, context.Canceled) {
		return 0
	}
	fmt.Fprintf(os.Stderr, "indexer: %s\n", oneLine(err))
	return 1
}

// oneLine folds an error message onto one line: driver errors (a failed connection to several
// hosts, say) can span several, and the contract is one line on stderr.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
