package publish

import (
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lehus1/devops-info-service-go/internal/sizes"
)

// progress shows an upload: on a terminal one line, redrawn, with bytes,
// rate and time left; elsewhere a plain line every few seconds, so logs
// stay readable.
type progress struct {
	w        io.Writer
	terminal bool
	interval time.Duration
	now      func() time.Time
	start    time.Time
	last     time.Time
	drawn    bool
	complete int64
}

func newProgress(w io.Writer, terminal bool, interval time.Duration) *progress {
	return &progress{w: w, terminal: terminal, interval: interval, now: time.Now, start: time.Now()}
}

// A rate is given once this much time has passed and this much has been
// sent: before, it is noise (the first line once said "0.1 MB/s, 1m49s
// left" of an upload that ended 0.1 s later).
const (
	rateAfter      = time.Second
	rateAfterBytes = 1 << 20
)

// follow reads updates until the channel closes; the returned channel
// closes after that.
func (p *progress) follow(updates <-chan v1.Update) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			if u.Error != nil {
				continue
			}
			p.complete = u.Complete
			p.show(u.Complete, u.Total, false)
		}
	}()
	return done
}

func (p *progress) show(complete, total int64, final bool) {
	now := p.now()
	every := p.interval
	if p.terminal {
		every = 100 * time.Millisecond
	}
	if !final && now.Sub(p.last) < every {
		return
	}
	p.last = now
	line := fmt.Sprintf("pushing: %s of %s", sizes.MB(complete), sizes.MB(total))
	if elapsed := now.Sub(p.start); elapsed >= rateAfter && complete >= rateAfterBytes {
		rate := float64(complete) / elapsed.Seconds()
		line += fmt.Sprintf(", %s/s", sizes.MB(int64(rate)))
		if total > complete {
			line += ", " + time.Duration(float64(total-complete)/rate*float64(time.Second)).Round(time.Second).String() + " left"
		}
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// finish ends a redrawn line, or says how the upload went.
func (p *progress) finish(complete int64) {
	if p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "uploaded %s in %.1fs\n", sizes.MB(complete), time.Since(p.start).Seconds())
}
