package web_test

import (
	"context"
	"net/http"
	"testing"
)

// With SSO required, a member's password session does not open the org;
// the org's admins keep their way in.
func TestRequiredSSOKeepsPasswordSessionsOfMembersOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme")
	member, admin := e.user("mia@example.com"), e.user("ada@example.com")
	e.grant(member, acme, "user")
	e.grant(admin, acme, "admin")
	if err := e.store.SetSSO(context.Background(), acme.ID, true, true); err != nil {
		t.Fatal(err)
	}

	m := e.client()
	m.loginAs(member)
	assertRedirect(t, m.get("/o/acme"), "/o/acme/login")

	a := e.client()
	a.loginAs(admin)
	assertStatus(t, a.get("/o/acme"), http.StatusOK)

	// Not required: the member's password session is enough.
	if err := e.store.SetSSO(context.Background(), acme.ID, true, false); err != nil {
		t.Fatal(err)
	}
	assertStatus(t, m.get("/o/acme"), http.StatusOK)
}
