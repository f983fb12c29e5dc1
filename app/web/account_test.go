package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// The account page shows the person's email, each org with their roles
// and status there, and the sign-ins linked to their account (no one
// else's); the nav links to it; a visitor is sent to log in.
func TestAccountPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	acme := e.org("acme", "Acme Corp")
	beta := e.org("beta", "Beta Inc")
	admin := e.user("admin@acme.example")
	e.grant(admin, acme, "admin")
	bob := e.user("bob@example.com")
	alice := e.user("alice@example.com")
	e.grant(bob, acme, "user")
	e.grantPending(bob, beta, "admin")
	conn, _ := seedConnection(t, e, acme, admin)
	if err := e.store.LinkIdentity(ctx, conn.ID, "bob-sub", bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.store.LinkIdentity(ctx, conn.ID, "alice-sub", alice.ID); err != nil {
		t.Fatal(err)
	}

	assertRedirect(t, e.client().get("/account"), "/login?return_to="+url.QueryEscape("/account"))

	c := e.client()
	c.loginAs(bob)
	p := c.get("/account")
	assertStatus(t, p, http.StatusOK)
	if got := p.text("account-email"); got != "bob@example.com" {
		t.Errorf("email %q", got)
	}
	if href, _ := p.testid("nav-account").Attr("href"); href != "/account" {
		t.Errorf("nav account link goes to %q", href)
	}
	if href, _ := p.testid("account-change-password").Attr("href"); href != "/account/password" {
		t.Errorf("change password link %q", href)
	}
	orgs := map[string][2]string{}
	p.testid("account-org").Each(func(_ int, s *goquery.Selection) {
		orgs[s.AttrOr("data-org", "")] = [2]string{s.AttrOr("data-roles", ""), s.AttrOr("data-status", "")}
	})
	want := map[string][2]string{"acme": {"user", "active"}, "beta": {"admin", "pending"}}
	if len(orgs) != len(want) || orgs["acme"] != want["acme"] || orgs["beta"] != want["beta"] {
		t.Errorf("orgs %v, want %v", orgs, want)
	}
	links := p.testid("account-link")
	if links.Length() != 1 {
		t.Fatalf("%d linked sign-ins, want bob's one", links.Length())
	}
	assertContains(t, "linked sign-in", links.Text(), "Main IdP")
	assertContains(t, "linked sign-in", links.Text(), "Acme Corp")
	if links.AttrOr("data-connection-id", "") != conn.PublicID {
		t.Errorf("linked sign-in names connection %q", links.AttrOr("data-connection-id", ""))
	}

	// Someone with no org and no link sees that said.
	n := e.user("new@example.com")
	c2 := e.client()
	c2.loginAs(n)
	p = c2.get("/account")
	assertStatus(t, p, http.StatusOK)
	if !p.has("account-no-orgs") || !p.has("account-no-links") {
		t.Errorf("empty account page: no-orgs %v, no-links %v", p.has("account-no-orgs"), p.has("account-no-links"))
	}
}

// IdentityLinksOfUser joins each link to its connection and org.
func TestAccountIdentityLinksOfUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	acme, beta := e.org("acme", "Acme Corp"), e.org("beta", "Beta Inc")
	admin := e.user("admin@example.com")
	e.grant(admin, acme, "admin")
	e.grant(admin, beta, "admin")
	ca, _ := seedConnection(t, e, acme, admin)
	cb, _ := seedConnection(t, e, beta, admin)
	bob := e.user("bob@example.com")
	for _, c := range []int64{cb.ID, ca.ID} {
		if err := e.store.LinkIdentity(ctx, c, "bob", bob.ID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.store.IdentityLinksOfUser(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].OrgSlug != "acme" || got[1].OrgSlug != "beta" ||
		got[0].ConnectionPublicID != ca.PublicID || got[0].ConnectionName != "Main IdP" || got[0].OrgName != "Acme Corp" || got[0].LinkedAt.IsZero() {
		t.Errorf("links %+v", got)
	}
	if none, err := e.store.IdentityLinksOfUser(ctx, admin.ID); err != nil || len(none) != 0 {
		t.Errorf("admin's links %+v %v, want none", none, err)
	}
}
