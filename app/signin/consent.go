package signin

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// errConsentNeeded stops provisioning before an account is created for a
// connection that asks for consent first.
var errConsentNeeded = errors.New("signin: consent needed before the account is created")

// Consent is what a person is asked to accept at their first login: what
// the org will receive about them.
type Consent struct {
	// Token names the waiting login; Binding goes into the browser's
	// binding cookie. Both are needed to answer.
	Token   string
	Binding string
	OrgName string
	Via     string // the connection's display name
	Email   string
	Name    string
	Groups  []string
	Roles   []string
}

// consentPending is what waits, sealed, for the answer.
type consentPending struct {
	Identity connector.Identity `json:"identity"`
	IDToken  string             `json:"idToken,omitempty"`
}

// askConsent keeps the identity server-side, single use, for ten minutes,
// and returns what to show the person.
func (s *Service) askConsent(ctx context.Context, org models.Organization, conn models.Connection, returnTo string, ident connector.Identity, prov models.Provisioning) (Result, error) {
	token, binding := secrets.Token(), secrets.Token()
	raw, err := json.Marshal(consentPending{Identity: ident, IDToken: ident.IDTokenHint})
	if err != nil {
		return Result{}, err
	}
	st := models.LoginState{
		StateHash: secrets.Hash(token), Kind: models.StateConsent, OrgID: org.ID, ConnectionID: conn.ID, ConfigVersion: conn.Version,
		Pending: s.sealer.Seal(string(raw), "consent:"+secrets.Hash(token)), BindingHash: secrets.Hash(binding), ReturnTo: returnTo,
		ClientKey: "consent:" + conn.PublicID, ExpiresAt: time.Now().UTC().Add(s.opts.StateTTL),
	}
	if err := s.store.SaveLoginState(ctx, st, 1<<30); err != nil {
		return Result{}, err
	}
	mapped, err := MapIdentity(ident, prov)
	if err != nil {
		return Result{}, err
	}
	return Result{Connection: conn, ReturnTo: returnTo, Consent: &Consent{
		Token: token, Binding: binding, OrgName: org.Name, Via: conn.DisplayName,
		Email: ident.Email, Name: ident.Name, Groups: ident.Groups, Roles: mapped.Roles,
	}}, nil
}

// AnswerConsent finishes a first login that waited for consent: accepted,
// the account is created as the connection's rules say and the person is
// logged in; declined, the waiting identity is dropped and nothing stays.
func (s *Service) AnswerConsent(ctx context.Context, org models.Organization, token, binding string, accept bool) (Result, error) {
	st, err := s.takeState(ctx, org, models.StateConsent, token, binding)
	if err != nil {
		return Result{}, err
	}
	if !accept {
		return Result{Declined: true, ReturnTo: st.ReturnTo}, nil
	}
	conn, err := s.stateConnection(ctx, org, st)
	if err != nil {
		return Result{}, err
	}
	if err := s.checkUnchanged(ctx, org, conn, st); err != nil {
		return Result{}, err
	}
	raw, err := s.sealer.Open(st.Pending, "consent:"+st.StateHash)
	if err != nil {
		return Result{}, err
	}
	var p consentPending
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Result{}, err
	}
	p.Identity.IDTokenHint = p.IDToken
	c, err := s.cache.Get(ctx, cacheKey(org.ID, conn.ID), conn.Version)
	if err != nil {
		return Result{}, s.idpProblem(org, err)
	}
	return s.complete(ctx, org, conn, c, st.ReturnTo, p.Identity, true)
}
