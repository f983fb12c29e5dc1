package web_test

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/models"
)

// TestHistoryKeepsEveryVersionComparesAndRestores: each save is a version
// in the history (no secret), two versions compare field by field, and a
// restore saves an earlier version as a new one that needs a new test.
func TestHistoryKeepsEveryVersionComparesAndRestores(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	e := f.e
	conn := f.createConn(t, manualForm("Okta"))
	save := func(form url.Values) {
		t.Helper()
		cur := f.reload(t, conn)
		form.Set("version", strconv.FormatInt(cur.Version, 10))
		p := f.c.post(f.connURL(conn, ""), form)
		assertStatus(t, p, http.StatusSeeOther)
	}
	save(formWith(manualForm("Okta"), "clientID", "second-client", "clientSecret", "another-secret-value"))
	save(formWith(manualForm("Okta"), "clientID", "second-client", "pkce", "plain", "clientSecret", ""))
	cur := f.reload(t, conn)
	if cur.Version != 3 {
		t.Fatalf("version %d after two saves, want 3", cur.Version)
	}
	f.recordTest(t, cur, models.TestPassed)

	p := f.c.get(f.connURL(conn, "/history"))
	assertStatus(t, p, http.StatusOK)
	if n := p.testid("version").Length(); n != 3 {
		t.Fatalf("%d versions listed, want 3", n)
	}
	for _, secret := range []string{"s3cret-value-Okta", "another-secret-value"} {
		if strings.Contains(p.body, secret) {
			t.Errorf("the history page shows a secret")
		}
		if n := e.count("connection_versions", "config LIKE ? OR provisioning LIKE ?", "%"+secret+"%", "%"+secret+"%"); n != 0 {
			t.Errorf("a secret is in the history table")
		}
	}
	if got := p.doc.Find(`[data-version="3"]`).Text(); !strings.Contains(got, "config.pkce") || !strings.Contains(got, "current") {
		t.Errorf("version 3 row = %q, want its change config.pkce and current", got)
	}
	if !f.c.get(f.connURL(conn, "/edit")).has("connection-history") {
		t.Error("the edit page has no link to the history")
	}

	p = f.c.get(f.connURL(conn, "/history?from=1&to=3"))
	assertStatus(t, p, http.StatusOK)
	diff := map[string][2]string{}
	p.testid("diff-row").Each(func(_ int, s *goquery.Selection) {
		field, _ := s.Attr("data-field")
		diff[field] = [2]string{strings.TrimSpace(s.Find(`[data-testid="diff-old"]`).Text()), strings.TrimSpace(s.Find(`[data-testid="diff-new"]`).Text())}
	})
	if diff["config.clientID"] != [2]string{"client-Okta", "second-client"} || diff["config.pkce"] != [2]string{"S256", "plain"} || len(diff) != 2 {
		t.Errorf("diff 1 -> 3 = %v", diff)
	}
	if p := f.c.get(f.connURL(conn, "/history?from=1&to=9")); p.status != http.StatusUnprocessableEntity || !p.has("compare-error") {
		t.Errorf("compare with a missing version: %d", p.status)
	}

	// A restore from a stale page changes nothing.
	before := e.snapshot()
	p = f.c.post(f.connURL(conn, "/history/1/restore"), url.Values{"current": {"2"}})
	assertStatus(t, p, http.StatusConflict)
	e.assertUnchanged(before)

	p = f.c.post(f.connURL(conn, "/history/1/restore"), url.Values{"current": {"3"}})
	assertRedirect(t, p, f.connURL(conn, "/edit"))
	restored := f.reload(t, conn)
	if restored.Version != 4 {
		t.Fatalf("restored as version %d, want 4", restored.Version)
	}
	if restored.SealedSecret != cur.SealedSecret {
		t.Error("a restore changed the secret")
	}
	v1, err := e.store.ConnectionVersionAt(t.Context(), f.org.ID, conn.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Config != v1.Config || restored.Provisioning != v1.Provisioning {
		t.Errorf("restored config %s, want version 1's %s", restored.Config, v1.Config)
	}
	if _, err := e.store.PassedTestRun(t.Context(), f.org.ID, restored); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the restored version counts as tested: %v", err)
	}
	v4, err := e.store.ConnectionVersionAt(t.Context(), f.org.ID, conn.ID, 4)
	if err != nil || v4.Note != "restored from version 1" || v4.SavedBy != f.admin.Email {
		t.Errorf("version 4 = %+v, %v", v4, err)
	}
	acts := e.auditActions(&f.org)
	if acts[len(acts)-1] != "connection.restore" {
		t.Errorf("audit %v, want connection.restore last", acts)
	}
	// Restoring the current settings again is nothing to do.
	p = f.c.post(f.connURL(conn, "/history/4/restore"), url.Values{"current": {"4"}})
	assertStatus(t, p, http.StatusSeeOther)
	if f.reload(t, conn).Version != 4 {
		t.Error("restoring the current version made a new one")
	}
}
