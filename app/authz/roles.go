package authz

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/orgsso/orgsso/models"
)

// roleCache keeps what the enforcer read of people's standing, per (user,
// org); org 0 is the platform. It is bounded: past max entries it drops the
// least recently used, so memory does not grow with the number of orgs or
// people, only with max. A read that raced a change of that user is not
// kept (per-user generation, see get).
type roleCache struct {
	access AccessReader
	max    int

	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	// byUser lists the orgs cached for each user, so that a platform-wide
	// change drops all of the user's entries without a scan.
	byUser map[int64][]int64
	// lru is the sentinel of a ring of entries, most recently used first.
	lru cacheEntry
	// gen counts changes; changed[user] is the gen of the user's last
	// change still in flight for a reader (see get). Cleared with clear.
	gen     uint64
	changed map[int64]uint64
	// cleared is the gen of the last clear.
	cleared uint64
	// inflight counts reads of the database under way; when none is,
	// changed is emptied (no reader can need it).
	inflight int
}

type cacheKey struct{ user, org int64 }

type cacheEntry struct {
	key        cacheKey
	acc        models.Access
	prev, next *cacheEntry
}

func newRoleCache(access AccessReader, max int) *roleCache {
	c := &roleCache{access: access, max: max}
	c.reset()
	return c
}

func (c *roleCache) reset() {
	c.entries = map[cacheKey]*cacheEntry{}
	c.byUser = map[int64][]int64{}
	c.changed = map[int64]uint64{}
	c.lru.next, c.lru.prev = &c.lru, &c.lru
}

// get returns the user's standing in the org (orgID 0: on the platform).
func (c *roleCache) get(userID, orgID int64) (models.Access, error) {
	k := cacheKey{userID, orgID}
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		c.unlink(e)
		c.pushFront(e)
		acc := e.acc
		c.mu.Unlock()
		return acc, nil
	}
	gen := c.gen
	c.inflight++
	c.mu.Unlock()
	acc, err := c.access.OrgAccess(context.Background(), userID, orgID)
	if errors.Is(err, models.ErrNotFound) {
		acc, err = models.Access{Roles: []string{}}, nil // no such user: no standing anywhere
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight--
	defer func() {
		if c.inflight == 0 && len(c.changed) > 0 {
			c.changed = map[int64]uint64{}
		}
	}()
	if err != nil {
		return acc, err
	}
	// Keep what was read only if nothing about this user changed (and
	// nothing was cleared) since the read began: the read may predate it.
	if c.changed[userID] <= gen && c.cleared <= gen {
		if _, ok := c.entries[k]; !ok {
			c.add(k, acc)
		}
	}
	return acc, nil
}

// add keeps acc under k, evicting the least recently used entry past max.
func (c *roleCache) add(k cacheKey, acc models.Access) {
	if len(c.entries) >= c.max {
		c.remove(c.lru.prev)
	}
	e := &cacheEntry{key: k, acc: acc}
	c.entries[k] = e
	c.byUser[k.user] = append(c.byUser[k.user], k.org)
	c.pushFront(e)
}

func (c *roleCache) remove(e *cacheEntry) {
	c.unlink(e)
	delete(c.entries, e.key)
	orgs := slices.DeleteFunc(c.byUser[e.key.user], func(o int64) bool { return o == e.key.org })
	if len(orgs) == 0 {
		delete(c.byUser, e.key.user)
	} else {
		c.byUser[e.key.user] = orgs
	}
}

func (c *roleCache) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *roleCache) pushFront(e *cacheEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}

// forget drops the user's standing in the org; orgID 0 (a platform-wide
// change) drops all of the user's.
func (c *roleCache) forget(userID, orgID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetLocked(userID, orgID)
}

// forgetAll is forget for each change, under one lock.
func (c *roleCache) forgetAll(changes []models.AccessChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		c.forgetLocked(ch.UserID, ch.OrgID)
	}
}

func (c *roleCache) forgetLocked(userID, orgID int64) {
	c.gen++
	if c.inflight > 0 {
		c.changed[userID] = c.gen
	}
	if len(c.changed) > c.max {
		// Bound the generations too: a clear is always safe.
		c.clearLocked()
		return
	}
	if orgID == 0 {
		for _, o := range slices.Clone(c.byUser[userID]) {
			c.remove(c.entries[cacheKey{userID, o}])
		}
		return
	}
	if e, ok := c.entries[cacheKey{userID, orgID}]; ok {
		c.remove(e)
	}
}

// clear drops everything: this instance may have missed whose access
// changed (it fell behind the change log).
func (c *roleCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
}

func (c *roleCache) clearLocked() {
	c.gen++
	c.cleared = c.gen
	c.reset()
}

// len is how many standings are cached.
func (c *roleCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
