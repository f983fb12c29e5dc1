package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/orgsso/orgsso/models"
)

// ChangeReader is what the watcher reads of the access change log
// (*models.Store): whose access changed under each revision. An
// AccessReader without it makes the watcher drop everything cached
// whenever another instance changed anyone's access.
type ChangeReader interface {
	AccessChanges(ctx context.Context, after, upto int64, limit int) ([]models.AccessChange, error)
	PruneAccessChanges(ctx context.Context, before int64) error
}

// changesPerPoll bounds the changes one poll reads; an instance further
// behind drops everything it cached instead.
const changesPerPoll = 10_000

// changesKept is how many of the newest logged changes survive pruning:
// an instance that falls further behind than that (it could not reach the
// database for long) drops everything it cached.
const changesKept = 100_000

// pruneEvery is how many polls pass between two prunings.
const pruneEvery = 300

// revisionWatcher polls the revision that every change of access bumps (in
// the same transaction as the change). When another instance moved it, it
// reads the change log for the revisions it missed and drops just those
// (user, org) standings from the role cache: never a reload, and no check
// waits on it beyond the cache's lock for a few map deletions. It needs
// nothing but the database and works the same on SQLite and PostgreSQL.
type revisionWatcher struct {
	access   AccessReader
	changes  ChangeReader // nil: clear the cache on any change
	interval time.Duration
	log      *slog.Logger
	cache    *roleCache

	mu   sync.Mutex
	last int64
	stop chan struct{}
	done chan struct{}
}

func newRevisionWatcher(access AccessReader, interval time.Duration, log *slog.Logger, cache *roleCache) (*revisionWatcher, error) {
	w := &revisionWatcher{access: access, interval: interval, log: log, cache: cache, stop: make(chan struct{}), done: make(chan struct{})}
	w.changes, _ = access.(ChangeReader)
	rev, err := access.AuthzRevision(context.Background())
	if err != nil {
		return nil, err
	}
	w.last = rev
	go w.poll()
	return w, nil
}

// seen notes a revision this instance made itself: its change is already
// forgotten locally. If someone else's change landed in between (rev
// jumped by more than one), last stays behind so the poll reads it.
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
	for n := 1; ; n++ {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		w.catchUp(context.Background())
		if w.changes != nil && n%pruneEvery == 0 {
			w.mu.Lock()
			last := w.last
			w.mu.Unlock()
			if err := w.changes.PruneAccessChanges(context.Background(), last-changesKept); err != nil {
				w.log.Warn("authz: prune access changes", "err", err)
			}
		}
	}
}

// catchUp drops what the changes logged since the last revision seen name.
func (w *revisionWatcher) catchUp(ctx context.Context) {
	rev, err := w.access.AuthzRevision(ctx)
	if err != nil {
		w.log.Warn("authz: read access revision", "err", err)
		return
	}
	w.mu.Lock()
	from := w.last
	w.mu.Unlock()
	if rev <= from {
		return
	}
	var changes []models.AccessChange
	complete := false
	if w.changes != nil && rev-from <= changesPerPoll {
		changes, err = w.changes.AccessChanges(ctx, from, rev, changesPerPoll)
		if err != nil {
			w.log.Warn("authz: read access changes", "err", err)
			return
		}
		complete = int64(len(changes)) == rev-from
	}
	if complete {
		w.cache.forgetAll(changes)
	} else {
		// Too far behind, or the log was pruned: whom the missed changes
		// named is unknown.
		w.log.Info("authz: access changes missed, dropping every cached standing", "from", from, "to", rev)
		w.cache.clear()
	}
	w.mu.Lock()
	if rev > w.last { // never backwards: seen may have moved last meanwhile
		w.last = rev
	}
	w.mu.Unlock()
}
