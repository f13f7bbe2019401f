//go:build !linux

package container

import (
	"context"
	"net"
)

// netns is a network namespace: Linux only. Start says ErrNeedsLinux
// before anything here is called.
type netns struct{}

func openNetns(int) (*netns, error) { return nil, ErrNeedsLinux }

func (*netns) Close() error { return nil }

func (*netns) dial(context.Context, string) (net.Conn, error) { return nil, ErrNeedsLinux }
