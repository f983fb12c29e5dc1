package authz

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/orgsso/orgsso/models"
)

// roleCache keeps what the enforcer read of people's standing, per (user,
// org); org 0 is the platform. It is bounded: past its size it starts
// afresh. A read that raced a change is not kept (generation counter).
type roleCache struct {
	access AccessReader
	max    int

	mu    sync.Mutex
	gen   uint64
	size  int
	users map[int64]map[int64]models.Access
}

func newRoleCache(access AccessReader, max int) *roleCache {
	return &roleCache{access: access, max: max, users: map[int64]map[int64]models.Access{}}
}

// get returns the user's standing in the org (orgID 0: on the platform).
func (c *roleCache) get(userID, orgID int64) (models.Access, error) {
	c.mu.Lock()
	if acc, ok := c.users[userID][orgID]; ok {
		c.mu.Unlock()
		return acc, nil
	}
	gen := c.gen
	c.mu.Unlock()
	acc, err := c.access.OrgAccess(context.Background(), userID, orgID)
	if errors.Is(err, models.ErrNotFound) {
		return models.Access{Roles: []string{}}, nil // no such user: no standing anywhere
	}
	if err != nil {
		return acc, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		if c.size >= c.max {
			c.users, c.size = map[int64]map[int64]models.Access{}, 0
		}
		orgs := c.users[userID]
		if orgs == nil {
			orgs = map[int64]models.Access{}
			c.users[userID] = orgs
		}
		orgs[orgID] = acc
		c.size++
	}
	return acc, nil
}

// forget drops the user's standing in the org; orgID 0 (a platform-wide
// change) drops all of the user's.
func (c *roleCache) forget(userID, orgID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	orgs := c.users[userID]
	if orgID == 0 {
		c.size -= len(orgs)
		delete(c.users, userID)
		return
	}
	if _, ok := orgs[orgID]; ok {
		delete(orgs, orgID)
		c.size--
	}
}

// clear drops everything (another instance changed someone's access).
func (c *roleCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.users, c.size = map[int64]map[int64]models.Access{}, 0
}

// membershipRoles answers the model's role(sub, role, dom): "u:<id>" holds
// role in "o:<id>" when their active membership there has it, and holds
// platform_admin in "*" when the account is a platform admin and not
// disabled. A read error answers no; Can reads the standing first, so
// such an error is reported there.
type membershipRoles struct {
	cache *roleCache
}

func (r *membershipRoles) has(sub, role, domain string) bool {
	if sub == role {
		return true
	}
	userID, ok := parseID(sub, "u:")
	if !ok {
		if userID, ok = parseID(sub, "m:"); !ok || domain == Platform {
			return false // a member subject holds no platform role
		}
	}
	if domain == Platform {
		acc, err := r.cache.get(userID, 0)
		return err == nil && role == RolePlatformAdmin && acc.PlatformAdmin && !acc.Disabled
	}
	orgID, ok := parseID(domain, "o:")
	if !ok {
		return false
	}
	acc, err := r.cache.get(userID, orgID)
	return err == nil && slices.Contains(acc.Roles, role)
}
