package container

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// StopOnSignal is ctx, cancelled on SIGINT or SIGTERM, also when the
// signal was meant for a parent: `go tool mage` passes neither down to the
// target, so on Linux the kernel is asked for SIGTERM when the parent
// exits. The container is then still stopped and removed, not orphaned,
// also when the terminal or pipe its logs went to is gone: SIGPIPE, which
// would end the process at its next log line, is ignored.
func StopOnSignal(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	signal.Ignore(syscall.SIGPIPE)
	dieWithParent()
	if os.Getppid() == 1 { // the parent is already gone
		stop()
	}
	return ctx, stop
}
