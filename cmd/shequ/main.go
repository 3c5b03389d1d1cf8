// Command shequ runs the community public service integrated information
// platform (社区公共服务综合信息平台): the web server and the operator tools.
// Run `shequ help` for the subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultGCPercent is the garbage collector's target when GOGC is unset.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		// The heap of a running platform is small and turns over fast
		// (every request's buffers): at Go's default of 100 the garbage
		// collector took a sixth of the CPU time of request submissions;
		// at 400 it takes a third of that, for a few tens of MB more
		// memory (`shequ bench requests`). GOGC still overrides it.
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
