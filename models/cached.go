package models

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CachedTTL is how long a cached organization or connection may be served.
// It bounds how soon another instance sees a change; this instance sees its
// own changes at once.
const CachedTTL = time.Second

// cachedMax bounds the cache; past it the cache starts afresh.
const cachedMax = 10_000

// cache holds organizations and connections as read by the member sign-in
// path, which reads them at every login. Every write of an organization or
// a connection through the Store empties it. What a cached row decides is
// never final: the sign-in service decides a refusal again on the stored
// rows, and the session of an SSO login is written only if its connection
// is, at commit, still as the login found it (Login.Through).
type cache struct {
	mu   sync.Mutex
	gen  uint64 // bumped by every clear, so a read that raced a write is not kept
	rows map[string]cachedRow
}

type cachedRow struct {
	val any
	at  time.Time
}

// get returns the row under key if it is fresh, and the generation a load
// must be stored under.
func (c *cache) get(key string, now time.Time) (any, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rows[key]
	if ok && now.Sub(r.at) < CachedTTL && !now.Before(r.at) {
		return r.val, c.gen, true
	}
	return nil, c.gen, false
}

// put keeps val under key unless the cache was cleared since gen.
func (c *cache) put(key string, val any, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.rows == nil || len(c.rows) >= cachedMax {
		c.rows = map[string]cachedRow{}
	}
	c.rows[key] = cachedRow{val: val, at: now}
}

// clear forgets everything; writes of orgs and connections call it after
// they commit.
func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.rows = nil
}

// cached serves key from the cache or loads and keeps it. Errors (not found
// included) are not kept.
func cached[T any](s *Store, key string, load func() (T, error)) (T, error) {
	now := s.now()
	v, gen, ok := s.cache.get(key, now)
	if ok {
		return v.(T), nil
	}
	row, err := load()
	if err == nil {
		s.cache.put(key, row, gen, now)
	}
	return row, err
}

// CachedOrganizationBySlug is OrganizationBySlug, at most CachedTTL old.
func (s *Store) CachedOrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	slug = strings.ToLower(slug) // as OrganizationBySlug looks it up: one entry per org
	return cached(s, "org:"+slug, func() (Organization, error) { return s.OrganizationBySlug(ctx, slug) })
}

// CachedConnectionByPublicID is ConnectionByPublicID, at most CachedTTL old.
func (s *Store) CachedConnectionByPublicID(ctx context.Context, orgID int64, publicID string) (Connection, error) {
	return cached(s, "conn:"+strconv.FormatInt(orgID, 10)+":"+publicID, func() (Connection, error) {
		return s.ConnectionByPublicID(ctx, orgID, publicID)
	})
}
