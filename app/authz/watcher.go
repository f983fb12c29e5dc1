package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"
)

// revisionWatcher is a casbin persist.Watcher that needs nothing but the
// database: after a change, Update bumps a revision counter; every instance
// polls the counter and reloads the policy when another instance moved it.
// It works the same on SQLite and PostgreSQL, with no Redis or LISTEN.
type revisionWatcher struct {
	db       *gorm.DB
	interval time.Duration
	log      *slog.Logger

	mu       sync.Mutex
	last     int64
	callback func(string)
	stop     chan struct{}
	done     chan struct{}
}

func newRevisionWatcher(db *gorm.DB, interval time.Duration, log *slog.Logger) (*revisionWatcher, error) {
	w := &revisionWatcher{db: db, interval: interval, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	rev, err := w.revision(context.Background())
	if err != nil {
		return nil, err
	}
	w.last = rev
	go w.poll()
	return w, nil
}

func (w *revisionWatcher) revision(ctx context.Context) (int64, error) {
	var rev int64
	err := w.db.WithContext(ctx).Raw("SELECT revision FROM authz_revision WHERE id = 1").Scan(&rev).Error
	return rev, err
}

// SetUpdateCallback sets what runs when another instance changed the policy.
func (w *revisionWatcher) SetUpdateCallback(cb func(string)) error {
	w.mu.Lock()
	w.callback = cb
	w.mu.Unlock()
	return nil
}

// Update tells the other instances that this one changed the policy.
func (w *revisionWatcher) Update() error {
	var rev int64
	err := w.db.Raw("UPDATE authz_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision").Scan(&rev).Error
	if err != nil {
		return err
	}
	w.mu.Lock()
	// Our own change needs no reload; if someone else's landed in between
	// (rev jumped by more than one), leave last behind so the poll reloads.
	if rev == w.last+1 {
		w.last = rev
	}
	w.mu.Unlock()
	return nil
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
		rev, err := w.revision(context.Background())
		if err != nil {
			w.log.Warn("authz: read policy revision", "err", err)
			continue
		}
		w.mu.Lock()
		changed := rev > w.last // never backwards: Update may have moved last meanwhile
		if changed {
			w.last = rev
		}
		cb := w.callback
		w.mu.Unlock()
		if changed && cb != nil {
			cb("")
		}
	}
}
