package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// revisionWatcher polls the revision that every change of access bumps (in
// the same transaction as the change), and clears the role cache when
// another instance moved it. It needs nothing but the database and works
// the same on SQLite and PostgreSQL.
type revisionWatcher struct {
	access   AccessReader
	interval time.Duration
	log      *slog.Logger
	changed  func()

	mu   sync.Mutex
	last int64
	stop chan struct{}
	done chan struct{}
}

func newRevisionWatcher(access AccessReader, interval time.Duration, log *slog.Logger, changed func()) (*revisionWatcher, error) {
	w := &revisionWatcher{access: access, interval: interval, log: log, changed: changed, stop: make(chan struct{}), done: make(chan struct{})}
	rev, err := access.AuthzRevision(context.Background())
	if err != nil {
		return nil, err
	}
	w.last = rev
	go w.poll()
	return w, nil
}

// seen notes a revision this instance made itself: its change is already
// forgotten locally and needs no clearing. If someone else's change landed
// in between (rev jumped by more than one), last stays behind so the poll
// clears.
func (w *revisionWatcher) seen(rev int64) {
	w.mu.Lock()
	if rev == w.last+1 {
		w.last = rev
	}
	w.mu.Unlock()
}

// Close stops polling.
func (w *revisionWatcher) Close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
		<-w.done
	}
}

func (w *revisionWatcher) poll() {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		rev, err := w.access.AuthzRevision(context.Background())
		if err != nil {
			w.log.Warn("authz: read access revision", "err", err)
			continue
		}
		w.mu.Lock()
		changed := rev > w.last // never backwards: seen may have moved last meanwhile
		if changed {
			w.last = rev
		}
		w.mu.Unlock()
		if changed {
			w.changed()
		}
	}
}
