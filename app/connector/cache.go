package connector

import (
	"context"
	"sync"
)

// OpenFunc opens a connector from the connection the caller has in hand
// (its protocol's Open over its config and unsealed secret).
type OpenFunc func(ctx context.Context) (Connector, error)

// Cache keeps one opened Connector per connection id at its newest requested
// version, so a connector's discovery document, verifier and key cache are
// reused across logins. Asking for a newer version replaces the old one;
// asking for an older version opens an uncached connector. Failed opens are
// not cached. A Cache is safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	version int64
	ready   chan struct{} // closed when conn/err are set
	conn    Connector
	err     error
}

// NewCache returns an empty Cache.
func NewCache() *Cache {
	return &Cache{entries: map[string]*cacheEntry{}}
}

// Get returns the connector of connection id at version, opened with open
// (from the connection row the caller holds, at that version) at most once
// while it stays cached. Concurrent callers share one open.
func (c *Cache) Get(ctx context.Context, id string, version int64, open OpenFunc) (Connector, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	switch {
	case ok && e.version == version:
		c.mu.Unlock()
		return c.wait(ctx, e)
	case ok && e.version > version:
		c.mu.Unlock()
		return open(ctx)
	}
	e = &cacheEntry{version: version, ready: make(chan struct{})}
	c.entries[id] = e
	c.mu.Unlock()

	// The open is shared by every waiter, so one caller's cancellation must
	// not fail the others; outbound timeouts still bound it.
	go func() {
		e.conn, e.err = open(context.WithoutCancel(ctx))
		if e.err != nil {
			c.mu.Lock()
			if c.entries[id] == e {
				delete(c.entries, id)
			}
			c.mu.Unlock()
		}
		close(e.ready)
	}()
	return c.wait(ctx, e)
}

func (c *Cache) wait(ctx context.Context, e *cacheEntry) (Connector, error) {
	select {
	case <-e.ready:
		return e.conn, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Forget drops connection id from the cache (for example after deletion).
func (c *Cache) Forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

// Len returns the number of cached connections.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
