package signin_test

import (
	"testing"
	"time"

	"github.com/orgsso/orgsso/e2e/idp"
)

// An IdP that rotates its signing key between the admin's test and the
// first member login, and again between two logins 100 ms apart, refuses no
// one: each rotation costs one JWKS fetch. Every login's tokens are revoked
// at the IdP with the client's authentication.
func TestIdPKeyRotationAndRevocationThroughSignin(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	login := func(subject string, fetches int64) {
		t.Helper()
		before := e.idp.JWKSHits()
		if _, err := e.login(subject); err != nil {
			t.Fatalf("login of %s: %v", subject, err)
		}
		if got := e.idp.JWKSHits() - before; got != fetches {
			t.Fatalf("login of %s fetched the JWKS %d times, want %d", subject, got, fetches)
		}
	}
	e.idp.RotateKey()
	login("bob", 1)
	login("alice", 0)
	e.idp.RotateKeyDroppingOld()
	time.Sleep(100 * time.Millisecond)
	login("bob", 1)

	revs := e.idp.Revocations()
	if len(revs) != 4 { // the test and three logins
		t.Fatalf("revocations = %+v, want 4", revs)
	}
	for _, r := range revs {
		if r.Issued != "access_token" || r.AuthMethod != idp.AuthBasic || r.ClientID != "orgsso" || r.Status != 200 {
			t.Fatalf("revocation = %+v", r)
		}
	}
}

// A person whose IdP sends only given and family name gets a name.
func TestNameFromGivenAndFamilyName(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	e.idp.AddUser(idp.User{Subject: "dana", Email: "dana@acme.test", EmailVerified: true, GivenName: "Dana", FamilyName: "Scully",
		Groups: []string{"DATA_SCIENCE"}})
	res, err := e.login("dana")
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Name != "Dana Scully" || res.User.GivenName != "Dana" || res.User.FamilyName != "Scully" {
		t.Fatalf("user = %+v", res.User)
	}
}
