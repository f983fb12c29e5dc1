package models_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// memberLogin is an org with SSO on through one connection, and a member
// (role user, name Bob) whose login changes their name and roles.
type memberLogin struct {
	s    *models.Store
	org  models.Organization
	conn models.Connection
	bob  models.User
	// heard is what the Store told its access listener.
	mu    sync.Mutex
	heard []models.AccessChange
}

func newMemberLogin(t *testing.T) *memberLogin {
	t.Helper()
	ctx := context.Background()
	m := &memberLogin{s: models.NewStore(testdb.Open(t, testdb.New(t)))}
	m.s.OnAccessChange(func(ch models.AccessChange) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.heard = append(m.heard, ch)
	})
	var err error
	if m.org, err = m.s.CreateOrganization(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	if m.conn, err = m.s.CreateConnection(ctx, m.org.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "Okta",
		Active: true, Config: "{}", Provisioning: "{}"}); err != nil {
		t.Fatal(err)
	}
	if err := m.s.SetSSO(ctx, m.org.ID, true, false); err != nil {
		t.Fatal(err)
	}
	if m.bob, err = m.s.CreateUser(ctx, models.User{Email: "bob@acme.test", Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	if err := m.s.PutMember(ctx, m.org.ID, m.bob.ID, []string{"user"}); err != nil {
		t.Fatal(err)
	}
	m.heard = nil
	return m
}

// update is the login's change: name Robert, verified, roles admin.
func (m *memberLogin) update() *models.MemberUpdate {
	return &models.MemberUpdate{OrgID: m.org.ID, UserID: m.bob.ID,
		Profile:  &models.User{Name: "Robert", GivenName: "Rob", FamilyName: "Smith", Picture: "https://p.test/r.png", EmailVerified: true},
		SetRoles: true, Roles: []string{"admin"},
		Events: []models.AuditEvent{{OrgID: &m.org.ID, ActorID: &m.bob.ID, ActorEmail: m.bob.Email, Action: "member.roles_synced",
			Target: m.bob.Email, Details: "user -> admin"}}}
}

func (m *memberLogin) login(id string, spend *models.UsedOnce, up *models.MemberUpdate) error {
	now := time.Now().UTC()
	return m.s.StartSession(context.Background(), models.Login{
		Session: models.Session{IDHash: id, UserID: m.bob.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		Audit:   models.AuditEvent{OrgID: &m.org.ID, ActorID: &m.bob.ID, ActorEmail: m.bob.Email, Action: "user.login", Target: m.bob.Email},
		Through: &models.Through{ConnectionID: m.conn.ID, Version: m.conn.Version},
		Spend:   spend,
		Member:  up,
	})
}

// state is what the login may have written.
type state struct {
	name     string
	verified bool
	roles    string
	revision int64
	changes  int
	events   []string
	sessions int64
}

func (m *memberLogin) state(t *testing.T) state {
	t.Helper()
	ctx := context.Background()
	u, err := m.s.UserByID(ctx, m.bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := m.s.Membership(ctx, m.org.ID, m.bob.ID)
	if errors.Is(err, models.ErrNotFound) {
		mem.Roles = "(no membership)"
	} else if err != nil {
		t.Fatal(err)
	}
	rev, err := m.s.AuthzRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := m.s.AccessChanges(ctx, 0, rev, 1000)
	if err != nil {
		t.Fatal(err)
	}
	st := state{name: u.Name, verified: u.EmailVerified, roles: mem.Roles, revision: rev, changes: len(changes)}
	evs, err := m.s.AuditEvents(ctx, m.org.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range slices.Backward(evs) {
		st.events = append(st.events, ev.Action+": "+ev.Details)
	}
	if err := m.s.DB().Write.Model(&models.Session{}).Count(&st.sessions).Error; err != nil {
		t.Fatal(err)
	}
	return st
}

// A login's member update is written with its session: the profile, the
// roles with a bumped revision and the change log row naming the member
// (what other instances read), the audit events before user.login; this
// instance's listener hears of the change once it is committed.
func TestStartSessionWritesTheMemberUpdate(t *testing.T) {
	m := newMemberLogin(t)
	before := m.state(t)
	spend := models.UsedOnce{Kind: "login", IDHash: "state", ExpiresAt: time.Now().Add(time.Minute)}
	if err := m.login("s1", &spend, m.update()); err != nil {
		t.Fatal(err)
	}
	after := m.state(t)
	if after.name != "Robert" || !after.verified || after.roles != "admin" || after.sessions != before.sessions+1 {
		t.Errorf("after the login: %+v", after)
	}
	if after.revision != before.revision+1 || after.changes != before.changes+1 {
		t.Errorf("revision %d -> %d, change log rows %d -> %d; want one more of each", before.revision, after.revision, before.changes, after.changes)
	}
	changes, err := m.s.AccessChanges(context.Background(), before.revision, after.revision, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := models.AccessChange{UserID: m.bob.ID, OrgID: m.org.ID, Revision: after.revision}
	if len(changes) != 1 || changes[0] != want {
		t.Errorf("change log = %+v, want %+v", changes, want)
	}
	if !slices.Equal(m.heard, []models.AccessChange{want}) {
		t.Errorf("the listener heard %+v, want %+v", m.heard, want)
	}
	if got, w := after.events, []string{"member.roles_synced: user -> admin", "user.login: "}; !slices.Equal(got, w) {
		t.Errorf("audit = %q, want %q", got, w)
	}
	if used, err := m.s.WasUsed(context.Background(), "login", "state"); err != nil || !used {
		t.Errorf("state spent = %v %v", used, err)
	}
}

// A login refused at commit (its connection switched off meanwhile, its
// state spent on another instance, or the member removed) writes nothing
// of its member update: no profile, roles, revision, change log row, audit
// event or session, and nothing is announced.
func TestStartSessionRefusedWritesNoMemberUpdate(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		prepare func(t *testing.T, m *memberLogin) *models.UsedOnce
		want    error
	}{
		{"connection switched off", func(t *testing.T, m *memberLogin) *models.UsedOnce {
			if err := m.s.DB().Write.Exec("UPDATE connections SET active = ? WHERE id = ?", false, m.conn.ID).Error; err != nil {
				t.Fatal(err)
			}
			return nil
		}, models.ErrConnectionChanged},
		{"state spent", func(t *testing.T, m *memberLogin) *models.UsedOnce {
			u := models.UsedOnce{Kind: "login", IDHash: "state", ExpiresAt: time.Now().Add(time.Minute)}
			if err := m.s.SpendOnce(ctx, u); err != nil {
				t.Fatal(err)
			}
			return &u
		}, models.ErrAlreadyUsed},
		{"member removed", func(t *testing.T, m *memberLogin) *models.UsedOnce {
			if err := m.s.DB().Write.Exec("DELETE FROM memberships WHERE user_id = ?", m.bob.ID).Error; err != nil {
				t.Fatal(err)
			}
			return nil
		}, models.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemberLogin(t)
			spend := tc.prepare(t, m)
			before := m.state(t)
			if err := m.login("s1", spend, m.update()); !errors.Is(err, tc.want) {
				t.Fatalf("login = %v, want %v", err, tc.want)
			}
			if after := m.state(t); !slices.Equal(after.events, before.events) || after.name != before.name ||
				after.verified != before.verified || after.roles != before.roles || after.revision != before.revision ||
				after.changes != before.changes || after.sessions != before.sessions {
				t.Errorf("a refused login wrote: before %+v, after %+v", before, after)
			}
			if len(m.heard) != 0 {
				t.Errorf("the listener heard %+v of a refused login", m.heard)
			}
		})
	}
}

// UpdateMember writes a member update alone (a login refused after its
// decision) in one transaction, as StartSession would with a session.
func TestUpdateMemberWritesTheUpdateAlone(t *testing.T) {
	m := newMemberLogin(t)
	before := m.state(t)
	up := m.update()
	up.Profile = nil
	up.Roles = nil // no role left
	up.Events[0].Details = "user -> none"
	if err := m.s.UpdateMember(context.Background(), *up); err != nil {
		t.Fatal(err)
	}
	after := m.state(t)
	if after.name != "Bob" || after.roles != "" || after.revision != before.revision+1 || after.changes != before.changes+1 ||
		after.sessions != before.sessions || !slices.Equal(after.events, []string{"member.roles_synced: user -> none"}) {
		t.Errorf("after UpdateMember: %+v (before %+v)", after, before)
	}
	if len(m.heard) != 1 || m.heard[0].UserID != m.bob.ID || m.heard[0].Revision != after.revision {
		t.Errorf("the listener heard %+v", m.heard)
	}
	// Nothing to write writes nothing.
	if err := m.s.UpdateMember(context.Background(), models.MemberUpdate{OrgID: m.org.ID, UserID: m.bob.ID}); err != nil {
		t.Fatal(err)
	}
	if again := m.state(t); again.revision != after.revision {
		t.Errorf("an empty update moved the revision to %d", again.revision)
	}
}
