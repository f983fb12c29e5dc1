package connector

import (
	"context"
	"sync"
)

// OpenFunc opens the connector of connection id at version (typically: load
// the connection's config and sealed secret, then call the protocol's Open).
type OpenFunc func(ctx context.Context, id string, version int64) (Connector, error)

// Cache keeps one opened Connector per connection id at its newest requested
// version, so a connector's discovery document, verifier and key cache are
// reused across logins. Asking for a newer version replaces the old one;
// asking for an older version opens an uncached connector. Failed opens are
// not cached. A Cache is safe for concurrent use.
type Cache struct {
	open    OpenFunc
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	version int64
	ready   chan struct{} // closed when conn/err are set
	conn    Connector
	err     error
}

// NewCache returns an empty Cache that opens connectors with open.
func NewCache(open OpenFunc) *Cache {
	return &Cache{open: open, entries: map[string]*cacheEntry{}}
}

// Get returns the connector of connection id at version, opening it at most
// once while it stays cached. Concurrent callers share one open.
func (c *Cache) Get(ctx context.Context, id string, version int64) (Connector, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	switch {
	case ok && e.version == version:
		c.mu.Unlock()
		return c.wait(ctx, e)
	case ok && e.version > version:
		c.mu.Unlock()
		return c.open(ctx, id, version)
	}
	e = &cacheEntry{version: version, ready: make(chan struct{})}
	c.entries[id] = e
	c.mu.Unlock()

	// The open is shared by every waiter, so one caller's cancellation must
	// not fail the others; outbound timeouts still bound it.
	go func() {
		e.conn, e.err = c.open(context.WithoutCancel(ctx), id, version)
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
