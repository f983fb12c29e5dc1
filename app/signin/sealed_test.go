package signin_test

import (
	"context"
	"testing"

	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// TestSealedBindingOpensWhatSigninSealed: the bindings key rotation and
// the start-up check use are the ones signin seals with: a first login
// waiting for consent, the connection's secret and a session's logout
// hint, as signin itself stored them, open with SealedBinding.
func TestSealedBindingOpensWhatSigninSealed(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	res, err := e.login("bob")
	if err != nil {
		t.Fatal(err)
	}
	e.edit(models.Provisioning{JIT: true, Consent: true, DefaultRole: "user"})
	e.enable()                                                          // tested again at the new version
	if res, err := e.login("alice"); err != nil || res.Consent == nil { // left waiting for consent
		t.Fatalf("alice's first login: %+v %v", res.Consent, err)
	}
	values, err := e.store.NewestSealed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	values = append(values, models.SealedValue{Kind: models.SealedLogoutHint, Value: res.LogoutHint})
	kinds := map[models.SealedKind]bool{}
	for _, v := range values {
		binding, err := signin.SealedBinding(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sealer.Open(v.Value, binding); err != nil {
			t.Errorf("%s (%s): does not open with its SealedBinding %q: %v", v.Kind, v.StateKind, binding, err)
		}
		kinds[v.Kind] = true
	}
	for _, k := range models.SealedKinds {
		if !kinds[k] {
			t.Errorf("no %s was checked", k)
		}
	}
	if _, err := signin.SealedBinding(models.SealedValue{Kind: models.SealedLoginState, StateKind: "other"}); err == nil {
		t.Error("a login state of an unknown kind got a binding")
	}
}
