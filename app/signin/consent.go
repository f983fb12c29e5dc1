package signin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"

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
		ExpiresAt: s.now().UTC().Add(s.opts.StateTTL),
	}
	if err := s.store.SaveLoginState(ctx, st); err != nil {
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
	st, err := s.takeConsent(ctx, org, token, binding)
	if err != nil {
		return Result{}, err
	}
	if !accept {
		return Result{Declined: true, ReturnTo: st.ReturnTo}, nil
	}
	conn, err := s.stateConnection(ctx, org, st.ConnectionID)
	if err != nil {
		return Result{}, err
	}
	if err := s.checkUnchanged(ctx, org, conn, st.ConfigVersion, false); err != nil {
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
	c, err := s.connectorOf(ctx, org, conn)
	if err != nil {
		return Result{}, s.idpProblem(org, err)
	}
	return s.complete(ctx, org, conn, c, st.ReturnTo, p.Identity, true)
}

// takeConsent consumes the waiting first login that token names and checks
// it belongs to this org and this browser (binding).
func (s *Service) takeConsent(ctx context.Context, org models.Organization, token, binding string) (models.LoginState, error) {
	st, err := s.store.TakeLoginState(ctx, models.StateConsent, secrets.Hash(token))
	if (err == nil || errors.Is(err, models.ErrLoginStateExpired)) && st.OrgID != org.ID {
		err = models.ErrNotFound
	}
	if errors.Is(err, models.ErrNotFound) {
		return models.LoginState{}, problem(http.StatusBadRequest, connector.CodeStateExpired, "Sign-in expired",
			"This sign-in has expired or was already used.", "Start the sign-in again from the login page.", err)
	}
	if err != nil {
		return models.LoginState{}, err
	}
	if subtle.ConstantTimeCompare([]byte(secrets.Hash(binding)), []byte(st.BindingHash)) != 1 {
		return models.LoginState{}, problem(http.StatusBadRequest, connector.CodeStateMismatch, "Sign-in failed",
			"This sign-in was started in another browser or its cookie is missing.", "Start the sign-in again in this browser; allow cookies for this site.", nil)
	}
	return st, nil
}
