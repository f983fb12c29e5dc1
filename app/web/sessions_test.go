package web_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
)

// plantSession gives c a live session of u, as a login would leave it; org
// set makes it a session that org's IdP opened. It returns the session's
// id hash.
func (c *client) plantSession(u models.User, org *models.Organization, userAgent, ip string) string {
	c.t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		c.t.Fatal(err)
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	sess := models.Session{IDHash: hashID(id), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(c.env.opts.SessionMax), UserAgent: userAgent, IP: ip}
	if org != nil {
		sess.OrgID = &org.ID
	}
	if err := c.env.store.CreateSession(context.Background(), sess); err != nil {
		c.t.Fatalf("plant session: %v", err)
	}
	c.setCookie(sessionCookie, id)
	return sess.IDHash
}

func (e *env) sessionExists(idHash string) bool {
	e.t.Helper()
	return e.count("sessions", "id_hash = ?", idHash) == 1
}

// TestAccountListsSessionsAndRevokes: the account page lists the person's
// live sessions (when, how, browser and address, this one marked), each
// with a Revoke button; revoking another ends it so that its cookie no
// longer works; revoking this one logs out. Another person's session, or
// a request without the CSRF token, ends nothing.
func TestAccountListsSessionsAndRevokes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	u := e.user("pat@example.com")
	e.grant(u, acme, "user")
	other := e.user("other@example.com")

	laptop := e.client()
	laptop.mustLogin("pat@example.com") // a real password login records the browser
	phone := e.client()
	phoneHash := phone.plantSession(u, &acme, "Phone Browser/1.0", "198.51.100.7")
	stranger := e.client()
	strangerHash := stranger.plantSession(other, nil, "", "")

	p := laptop.get("/account")
	assertStatus(t, p, http.StatusOK)
	rows := p.testid("account-session")
	if rows.Length() != 2 {
		t.Fatalf("account lists %d sessions, want 2 (the other person's is not theirs)\n%s", rows.Length(), p.body)
	}
	current := p.doc.Find(`[data-testid="account-session"][data-current="true"]`)
	if current.Length() != 1 || !strings.Contains(current.Text(), "This session") {
		t.Fatalf("this session is not marked once: %d rows", current.Length())
	}
	if how := strings.TrimSpace(current.Find(`[data-testid="session-how"]`).Text()); how != "Password" {
		t.Errorf("this session's how = %q, want Password", how)
	}
	assertContains(t, "this session's row", current.Text(), "Go-http-client")
	phoneRow := p.doc.Find(`[data-testid="account-session"][data-session="` + phoneHash + `"]`)
	if how := strings.TrimSpace(phoneRow.Find(`[data-testid="session-how"]`).Text()); how != "Single sign-on of Acme Corp" {
		t.Errorf("the phone session's how = %q", how)
	}
	assertContains(t, "the phone's row", phoneRow.Text(), "Phone Browser/1.0")
	assertContains(t, "the phone's row", phoneRow.Text(), "198.51.100.7")
	if phoneRow.Find(`form[action="/account/sessions/`+phoneHash+`/revoke"] input[name="_csrf"]`).Length() != 1 {
		t.Error("the phone's row has no Revoke form with a CSRF token")
	}

	// Without the token: refused, nothing ends.
	assertStatus(t, laptop.postRaw("/account/sessions/"+phoneHash+"/revoke", nil), http.StatusForbidden)
	if !e.sessionExists(phoneHash) {
		t.Fatal("a revoke without the CSRF token ended the session")
	}
	// Another person's session is not theirs to end.
	assertRedirect(t, laptop.post("/account/sessions/"+strangerHash+"/revoke", nil), "/account")
	if !e.sessionExists(strangerHash) {
		t.Fatal("a person ended someone else's session")
	}
	stranger.assertLoggedInAs("other@example.com")

	assertRedirect(t, laptop.post("/account/sessions/"+phoneHash+"/revoke", nil), "/account")
	if e.sessionExists(phoneHash) {
		t.Fatal("the revoked session is still stored")
	}
	phone.assertLoggedOut() // its cookie no longer works
	laptop.assertLoggedInAs("pat@example.com")
	if got := laptop.get("/account").testid("account-session").Length(); got != 1 {
		t.Errorf("after revoking, %d sessions listed, want 1", got)
	}

	// Revoking this session logs out, and its cookie is dead for good.
	cookie := laptop.session()
	assertRedirect(t, laptop.post("/account/sessions/"+hashID(cookie)+"/revoke", nil), "/login")
	laptop.assertLoggedOut()
	laptop.setCookie(sessionCookie, cookie)
	laptop.assertLoggedOut()
	if acts := e.auditActions(nil); strings.Count(strings.Join(acts, ","), "user.session_revoke") != 2 {
		t.Errorf("audit = %v, want two user.session_revoke", acts)
	}
}

// TestOrgScopedSessionSeesAndRevokesThatOrgsSessionsOnly: a session an
// org's IdP opened shows, and may revoke, only the sessions of that org:
// the person's password sessions and other orgs' are not its business.
func TestOrgScopedSessionSeesAndRevokesThatOrgsSessionsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme, beta := e.org("acme", "Acme Corp"), e.org("beta", "Beta Inc")
	u := e.user("pat@example.com")
	e.grant(u, acme, "user")
	e.grant(u, beta, "user")
	viaAcme := e.client()
	viaAcme.plantSession(u, &acme, "", "")
	viaBeta := e.client()
	betaHash := viaBeta.plantSession(u, &beta, "", "")
	own := e.client()
	ownHash := own.plantSession(u, nil, "", "")

	p := viaAcme.get("/account")
	assertStatus(t, p, http.StatusOK)
	if rows := p.testid("account-session"); rows.Length() != 1 || rows.AttrOr("data-org", "") != "acme" {
		t.Fatalf("an Acme session lists %d sessions (org %q), want its own only", rows.Length(), rows.AttrOr("data-org", ""))
	}
	assertContains(t, "account page", p.body, "Acme Corp")
	if strings.Contains(p.body, "Beta Inc") {
		t.Error("an Acme session's account page names the person's other org")
	}
	for _, h := range []string{betaHash, ownHash} {
		viaAcme.post("/account/sessions/"+h+"/revoke", nil)
		if !e.sessionExists(h) {
			t.Errorf("an Acme session ended a session outside Acme")
		}
	}
	if got := own.get("/account").testid("account-session").Length(); got != 3 {
		t.Errorf("the person's own (password) session lists %d sessions, want all 3", got)
	}
}

// TestOrgAdminEndsMemberSessionsInThatOrgOnly: an org admin's "End
// sessions" on a member's row ends the sessions that org's IdPs opened for
// them, audited, and leaves their password session and other orgs' alone.
// An admin of org A cannot end sessions in org B, nor of someone who is not
// A's member; a member without the admin role cannot at all.
func TestOrgAdminEndsMemberSessionsInThatOrgOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme, beta := e.org("acme", "Acme Corp"), e.org("beta", "Beta Inc")
	admin, adminB := e.user("admin@acme.test"), e.user("admin@beta.test")
	m, plain := e.user("m@example.com"), e.user("plain@acme.test")
	e.grant(admin, acme, "admin")
	e.grant(adminB, beta, "admin")
	e.grant(plain, acme, "user")
	e.grant(m, acme, "user")
	e.grant(m, beta, "user")

	inAcme, inAcme2, inBeta, own := e.client(), e.client(), e.client(), e.client()
	acmeHash := inAcme.plantSession(m, &acme, "", "")
	acme2Hash := inAcme2.plantSession(m, &acme, "", "")
	betaHash := inBeta.plantSession(m, &beta, "", "")
	ownHash := own.plantSession(m, nil, "", "")
	adminB2 := e.client()
	adminB2.plantSession(adminB, &beta, "", "")

	a := e.client()
	a.loginAs(admin)
	p := a.get("/o/acme/members")
	assertStatus(t, p, http.StatusOK)
	row := p.testid("member-m@example.com")
	if btn := row.Find(`[data-testid="end-sessions"]`); btn.Length() != 1 || !strings.Contains(btn.Text(), "2 sessions") {
		t.Fatalf("member row's End sessions button: %q", btn.Text())
	}
	if p.testid("member-plain@acme.test").Find(`[data-testid="end-sessions"]`).Length() != 0 {
		t.Error("a member without sessions in the org has an End sessions button")
	}
	if row.Find(`form[action="/o/acme/members/`+strconv.FormatInt(m.ID, 10)+`/sessions/end"] input[name="_csrf"]`).Length() != 1 {
		t.Error("the End sessions form has no CSRF token")
	}

	// Refused: another org, someone not a member here, a plain member, no token.
	before := e.snapshot()
	assertStatus(t, a.post("/o/beta/members/"+strconv.FormatInt(m.ID, 10)+"/sessions/end", nil), http.StatusNotFound)
	assertStatus(t, a.post("/o/acme/members/"+strconv.FormatInt(adminB.ID, 10)+"/sessions/end", nil), http.StatusNotFound)
	pc := e.client()
	pc.loginAs(plain)
	assertStatus(t, pc.post("/o/acme/members/"+strconv.FormatInt(m.ID, 10)+"/sessions/end", nil), http.StatusForbidden)
	assertStatus(t, a.postRaw("/o/acme/members/"+strconv.FormatInt(m.ID, 10)+"/sessions/end", nil), http.StatusForbidden)
	before.Sessions += 1 // pc's own session, planted since
	e.assertUnchanged(before)
	adminB2.assertLoggedInAs("admin@beta.test")

	assertRedirect(t, a.post("/o/acme/members/"+strconv.FormatInt(m.ID, 10)+"/sessions/end", nil), "/o/acme/members")
	for h, want := range map[string]bool{acmeHash: false, acme2Hash: false, betaHash: true, ownHash: true} {
		if e.sessionExists(h) != want {
			t.Errorf("session %s… exists = %v, want %v", h[:8], !want, want)
		}
	}
	inAcme.assertLoggedOut()
	inAcme2.assertLoggedOut()
	own.assertLoggedInAs("m@example.com")
	if got := e.auditActions(&acme); got[len(got)-1] != "member.sessions_end" {
		t.Errorf("acme audit = %v, want member.sessions_end last", got)
	}
	if got := a.get("/o/acme/members").text("flash"); !strings.Contains(got, "Ended 2 sessions of m@example.com") {
		t.Errorf("flash = %q", got)
	}
	if got := e.auditActions(&beta); strings.Contains(strings.Join(got, ","), "member.sessions_end") {
		t.Errorf("beta audit = %v: nothing happened in beta", got)
	}
}

// TestDisablingOrRemovingAMemberEndsTheirOrgSessions: disabling a
// membership ends, at once, the sessions that org's IdPs opened for the
// member, and only those; so does removing them from the org.
func TestDisablingOrRemovingAMemberEndsTheirOrgSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme, beta := e.org("acme", "Acme Corp"), e.org("beta", "Beta Inc")
	admin := e.user("admin@acme.test")
	e.grant(admin, acme, "admin")
	a := e.client()
	a.loginAs(admin)
	for _, action := range []string{"disable", "remove"} {
		t.Run(action, func(t *testing.T) {
			e := e.in(t)
			a.t = t
			m := e.user(action + "@example.com")
			e.grant(m, acme, "user")
			e.grant(m, beta, "user")
			inAcme, inBeta, own := e.client(), e.client(), e.client()
			acmeHash := inAcme.plantSession(m, &acme, "", "")
			betaHash := inBeta.plantSession(m, &beta, "", "")
			ownHash := own.plantSession(m, nil, "", "")
			assertRedirect(t, a.post("/o/acme/members/"+strconv.FormatInt(m.ID, 10)+"/"+action, nil), "/o/acme/members")
			if e.sessionExists(acmeHash) {
				t.Error("the member's Acme session outlived the change")
			}
			if !e.sessionExists(betaHash) || !e.sessionExists(ownHash) {
				t.Error("a session outside Acme ended")
			}
			inAcme.assertLoggedOut()
			inBeta.assertLoggedInAs(m.Email)
		})
	}
}
