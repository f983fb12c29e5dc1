package web_test

import (
	"net/http"
	"testing"
)

// TestDashboardFirstRun: the first platform admin, in no org yet, is led
// to create one; a person in no org is told how they get in; a platform
// admin looking at an org they are not in is not told they have "no role".
func TestDashboardFirstRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	root := e.user("root@example.com")
	e.platformAdmin(root)
	c := e.client()
	c.loginAs(root)
	p := c.get("/")
	assertStatus(t, p, http.StatusOK)
	if href, _ := p.testid("first-org").Attr("href"); href != "/admin/orgs" {
		t.Errorf("first platform admin: create-org link %q, want /admin/orgs", href)
	}

	bob := e.user("bob@example.com")
	bc := e.client()
	bc.loginAs(bob)
	p = bc.get("/")
	if p.has("first-org") {
		t.Error("a person who is not a platform admin is offered to create an organization")
	}
	assertContains(t, "no orgs", p.text("no-orgs"), "An administrator can invite you")

	e.org("acme", "Acme")
	if got := c.get("/o/acme").text("my-roles"); got != "platform admin" {
		t.Errorf("platform admin in an org they are not in: role %q", got)
	}
}
