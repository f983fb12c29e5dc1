package authz

import "github.com/orgsso/orgsso/models"

// CanToken reports whether an API token of the org orgID with scope may do
// act on obj in the domain dom. A token acts as the org's admin role in its
// own org and nowhere else (never on the platform); a read token is that
// role limited to reading. It holds no user's roles, so removing the admin
// who made it does not change what it may do; revoking it does.
func (a *Enforcer) CanToken(orgID int64, scope, dom, obj, act string) (bool, error) {
	if dom != Domain(orgID) {
		return false, nil
	}
	switch scope {
	case models.ScopeWrite:
	case models.ScopeRead:
		if act != "read" {
			return false, nil
		}
	default:
		return false, nil
	}
	// The policy is asked for the standing of an admin of this org, and
	// nothing more (no platform role).
	return a.decide(decisionKey{dom: dom, obj: obj, act: act, roles: RoleAdmin})
}
