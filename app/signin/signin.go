package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// Options configure the service.
type Options struct {
	// BaseURL is the public URL every redirect URI is derived from.
	BaseURL string
	// StateTTL is how long a login may take from start to callback.
	StateTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// HTTPClient makes every request to IdPs (app/outbound).
	HTTPClient *http.Client
}

// Service runs logins.
type Service struct {
	opts      Options
	store     *models.Store
	sealer    *secrets.Sealer
	protocols *connector.Registry
	cache     *connector.Cache
	log       *slog.Logger
	// tested remembers configurations with a passed test. A passed test at
	// a (connection, version, hash) stays passed, so the entry never goes
	// stale; an edit makes a new version that is looked up afresh.
	tested sync.Map
}

// New returns a Service that speaks the protocols of reg.
func New(opts Options, store *models.Store, sealer *secrets.Sealer, reg *connector.Registry, log *slog.Logger) *Service {
	if opts.StateTTL == 0 {
		opts.StateTTL = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	s := &Service{opts: opts, store: store, sealer: sealer, protocols: reg, log: log}
	s.cache = connector.NewCache()
	return s
}

func (s *Service) now() time.Time { return s.opts.Now() }

// StateTTL is how long a login may take from start to callback.
func (s *Service) StateTTL() time.Duration { return s.opts.StateTTL }

// Protocols are the protocols the service speaks.
func (s *Service) Protocols() *connector.Registry { return s.protocols }

// ReturnURL is where conn's IdP sends the browser back (the OIDC redirect
// URI, a SAML ACS URL); "" for a protocol the server does not speak.
func (s *Service) ReturnURL(org models.Organization, conn models.Connection) string {
	p, ok := s.protocols.Get(conn.Protocol)
	if !ok {
		return ""
	}
	return s.opts.BaseURL + "/o/" + org.Slug + connector.PathFor(p.ReturnPath, conn.PublicID)
}

// CallbackURL is the org's OIDC redirect URI, the same for all its OIDC
// connections.
func (s *Service) CallbackURL(org models.Organization) string {
	return s.ReturnURL(org, models.Connection{Protocol: connector.ProtocolOIDC})
}

// InitiateLoginURL is where conn's IdP may start a login itself (OpenID
// Connect Core §4's initiate login URI: an app tile, a "Login URL"
// setting); "" when its protocol has none.
func (s *Service) InitiateLoginURL(org models.Organization, conn models.Connection) string {
	p, ok := s.protocols.Get(conn.Protocol)
	if !ok || p.InitiatePath == "" {
		return ""
	}
	return s.opts.BaseURL + "/o/" + org.Slug + connector.PathFor(p.InitiatePath, conn.PublicID)
}

// PostLogoutURL is where the IdP sends the browser after RP-initiated logout.
func (s *Service) PostLogoutURL(org models.Organization) string {
	return s.opts.BaseURL + "/o/" + org.Slug + "/login"
}

// SecretBinding binds a connection's sealed secret to that connection.
func SecretBinding(c models.Connection) string { return "connection:" + c.PublicID }

func cacheKey(orgID, connID int64) string {
	return strconv.FormatInt(orgID, 10) + ":" + strconv.FormatInt(connID, 10)
}

// generation is what a cached connector of conn is kept for: its
// settings' version, or a refresh of what it knows of its IdP (which keeps
// the version), whichever came last.
func generation(conn models.Connection) int64 { return conn.UpdatedAt.UnixMicro() }

// connectorOf returns conn's connector, opened once per generation from
// the row in hand.
func (s *Service) connectorOf(ctx context.Context, org models.Organization, conn models.Connection) (connector.Connector, error) {
	return s.cache.Get(ctx, cacheKey(conn.OrgID, conn.ID), generation(conn), func(ctx context.Context) (connector.Connector, error) {
		return s.Open(ctx, org, conn)
	})
}

// Open opens a connector for the connection as stored, uncached (the
// settings page uses it to check an IdP when saving).
func (s *Service) Open(ctx context.Context, org models.Organization, conn models.Connection) (connector.Connector, error) {
	p, ok := s.protocols.Get(conn.Protocol)
	if !ok {
		return nil, connector.NewError(connector.CodeInvalidConfig, "This connection's protocol "+conn.Protocol+" is not supported.", nil)
	}
	secret, err := s.Secret(conn)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig,
			"The stored secret cannot be read with this server's secret key. Enter it again.", err)
	}
	return p.Open(ctx, []byte(conn.Config), secret, s.Env(org, conn))
}

// Secret opens conn's sealed secret ("" for none).
func (s *Service) Secret(conn models.Connection) (string, error) {
	if conn.SealedSecret == "" {
		return "", nil
	}
	return s.sealer.Open(conn.SealedSecret, SecretBinding(conn))
}

// Env is what conn's connector may use of the server.
func (s *Service) Env(org models.Organization, conn models.Connection) connector.Env {
	return connector.Env{
		HTTPClient: s.opts.HTTPClient, Log: s.log, Now: s.opts.Now,
		ReturnURL: s.ReturnURL(org, conn), EntityID: s.MetadataURL(org, conn),
	}
}

// MetadataURL is where conn's own metadata is published (a SAML SP's
// metadata, whose URL is its entity ID); "" when its protocol has none.
func (s *Service) MetadataURL(org models.Organization, conn models.Connection) string {
	p, ok := s.protocols.Get(conn.Protocol)
	if !ok || p.MetadataPath == "" {
		return ""
	}
	return s.opts.BaseURL + "/o/" + org.Slug + connector.PathFor(p.MetadataPath, conn.PublicID)
}

// Check opens a connection as it is to be saved (conn.OrgID set, also
// for a new one), which with discovery on asks its IdP for the discovery
// document, and says what went wrong in words ("" when it opened): the
// check made on every save.
func (s *Service) Check(ctx context.Context, conn models.Connection) string {
	// The secret plays no part in discovery, and a new connection's secret
	// cannot be sealed before it has a public id.
	conn.SealedSecret = ""
	org, err := s.store.Organization(ctx, conn.OrgID)
	if err == nil {
		_, err = s.Open(ctx, org, conn)
	}
	if err != nil {
		s.log.Info("connection check failed", "connection", conn.DisplayName, "err", err)
		return connector.Reason(err)
	}
	return ""
}

// ProvisioningOf decodes a connection's provisioning rules.
func ProvisioningOf(conn models.Connection) (models.Provisioning, error) {
	var p models.Provisioning
	if conn.Provisioning == "" {
		return p, nil
	}
	err := json.Unmarshal([]byte(conn.Provisioning), &p)
	return p, err
}

// Problem is a login failure a person can read: a title, one sentence of
// what happened and what to do.
type Problem struct {
	Status  int
	Title   string
	Message string
	Hint    string
	Code    string
	Err     error // detail for the log only
}

func (p *Problem) Error() string {
	if p.Err != nil {
		return p.Code + ": " + p.Message + ": " + p.Err.Error()
	}
	return p.Code + ": " + p.Message
}

func (p *Problem) Unwrap() error { return p.Err }

func problem(status int, code, title, msg, hint string, err error) *Problem {
	return &Problem{Status: status, Code: code, Title: title, Message: msg, Hint: hint, Err: err}
}

// ErrNotEnabled means a member tried a connection that may not be used.
var ErrNotEnabled = errors.New("signin: connection not enabled for member logins")

// BeginRequest is what the web layer knows when a login starts.
type BeginRequest struct {
	Org        models.Organization
	Connection models.Connection
	ReturnTo   string // a local path, checked by the caller
	IsTest     bool   // an admin's test of the connection
	IsLink     bool   // a signed-in person links this sign-in to their account
	UserID     *int64 // who runs the test, or links
	Forwarded  map[string]string
	// Cookie is the browser's login cookie for the org as it came ("" for
	// none): the logins it has in flight, which the new one joins.
	Cookie string
}

// Begin starts a login and returns the IdP URL to send the browser to, and
// the new value of the browser's login cookie for the org, which holds the
// login sealed (nothing is written). The caller sets the cookie and hands
// it back to Finish.
func (s *Service) Begin(ctx context.Context, req BeginRequest) (redirectURL, cookie string, err error) {
	conn := req.Connection
	if !req.IsTest {
		var err error
		if conn, err = s.admit(ctx, req.Org, conn); err != nil {
			return "", "", err
		}
	}
	c, err := s.connectorOf(ctx, req.Org, conn)
	if err != nil {
		return "", "", err
	}
	state := secrets.Token()
	redirectURL, pending, err := c.Begin(ctx, connector.LoginRequest{State: state, CallbackURL: s.ReturnURL(req.Org, conn), ForwardedParams: req.Forwarded})
	if err != nil {
		return "", "", err
	}
	cookie, err = s.newState(req, conn, state, pending, req.Cookie)
	if err != nil {
		return "", "", err
	}
	return redirectURL, cookie, nil
}

// usable refuses a member login through a connection that is off, not
// tested at its present configuration, or of an org without SSO.
func (s *Service) usable(ctx context.Context, org models.Organization, conn models.Connection) error {
	if !org.SSOEnabled || !conn.Active {
		return problem(http.StatusNotFound, "not_enabled", "Sign-in not available",
			"This sign-in option is not enabled for "+org.Name+".", "Use another option on the login page, or ask an administrator.", ErrNotEnabled)
	}
	key := cacheKey(org.ID, conn.ID) + ":" + strconv.FormatInt(conn.Version, 10) + ":" + conn.ConfigHash
	if _, ok := s.tested.Load(key); ok {
		return nil
	}
	if _, err := s.store.PassedTestRun(ctx, org.ID, conn); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return problem(http.StatusNotFound, "untested", "Sign-in not available",
				"This sign-in option has changed and an administrator has not tested it yet.", "Ask an administrator of "+org.Name+" to run a test of the connection.", ErrNotEnabled)
		}
		return err
	}
	s.tested.Store(key, struct{}{})
	return nil
}

// Result is what a finished callback produced: a test run, or a user who
// is now logged in.
type Result struct {
	Connection models.Connection
	IsTest     bool
	TestRun    models.TestRun // when IsTest
	User       models.User    // when !IsTest
	ReturnTo   string
	// LogoutHint is sealed state for RP-initiated logout, to keep with the
	// session (empty when the IdP has no logout endpoint).
	LogoutHint string
	// Consent, when set, is what the person must accept before their
	// account is created; no User is logged in yet.
	Consent *Consent
	// Declined means the person declined consent; nothing was stored.
	Declined bool
	// Matched says the answer's state named a login of this org in
	// progress, even when Finish refused it: an unmatched answer says
	// nothing of whose login it was.
	Matched bool
	// Cookie is the new value of the browser's login cookie for the org
	// (the logins still in flight; "" to clear it), also with an error.
	Cookie string
	// Spend, with a User, is the login state to spend in the transaction
	// that writes the session (models.Login.Spend).
	Spend *models.UsedOnce
	// Member, with a User, is what the login changes of the member (the
	// profile and roles the IdP now gives, with their audit events), not
	// yet written: whoever completes the login writes it in the
	// transaction that writes the session (models.Login.Member), or on its
	// own (Store.UpdateMember) if it writes none. Nil when nothing changes.
	Member *models.MemberUpdate
}

// Answer is an IdP's answer at one of an org's return endpoints.
type Answer struct {
	// Protocol is the endpoint's protocol.
	Protocol string
	// Connection is the public id of the connection the endpoint is for
	// ("" for an org-wide endpoint, like the OIDC redirect URI).
	Connection string
	Request    *http.Request
	// Cookie is the value of the browser's login cookie for the org.
	Cookie string
	// Viewer is the id of the signed-in person (0 for none), who must be
	// the one who started a link.
	Viewer int64
}

// Finish completes the login whose state the IdP sent back to the org's
// return endpoint, or, at a connection's own endpoint, an answer the IdP
// sent unasked when the connection accepts those.
func (s *Service) Finish(ctx context.Context, org models.Organization, a Answer) (Result, error) {
	p, ok := s.protocols.Get(a.Protocol)
	if !ok {
		return Result{Cookie: a.Cookie}, fmt.Errorf("signin: protocol %q is not registered", a.Protocol)
	}
	state := p.State(a.Request)
	if state == "" && a.Connection != "" {
		res, err := s.finishUnsolicited(ctx, org, a)
		res.Cookie = a.Cookie
		return res, err
	}
	if state == "" {
		return Result{Cookie: a.Cookie}, problem(http.StatusBadRequest, connector.CodeStateInvalid, "Sign-in failed",
			"The identity provider's answer carried no state, so it cannot be matched to a sign-in.", "Start the sign-in again from the login page.", nil)
	}
	st, remaining, err := s.takeState(ctx, org, state, a.Cookie)
	if err != nil {
		res := Result{Matched: st.StateHash != ""}
		if st.IsTest {
			res, err = s.failTestState(ctx, org, st, a.Request, err)
		}
		res.Cookie = remaining
		return res, err
	}
	// A test or a link is spent before it has any effect; a member's login
	// with the session it writes, or here when it ends otherwise.
	early := st.IsTest || st.IsLink
	if early {
		if err := s.spend(ctx, st); err != nil {
			return Result{Cookie: remaining}, err
		}
	}
	res, err := s.finish(ctx, org, a, st)
	res.Cookie, res.Matched = remaining, true
	switch {
	case early:
	case err == nil && res.User.ID != 0:
		spent := st.spent()
		res.Spend = &spent
	default:
		if serr := s.spend(ctx, st); serr != nil {
			return res, serr
		}
	}
	return res, err
}

// finishUnsolicited takes an answer the IdP sent without a login begun
// here (SAML's IdP-initiated login) at the endpoint of the connection it
// names: only a connector that accepts those, of a connection members may
// use now, signs a member in, to the org's home.
func (s *Service) finishUnsolicited(ctx context.Context, org models.Organization, a Answer) (Result, error) {
	refused := problem(http.StatusBadRequest, connector.CodeStateInvalid, "Sign-in failed",
		"The identity provider's answer carried no state, so it cannot be matched to a sign-in.", "Start the sign-in again from the login page.", nil)
	conn, err := s.store.ConnectionByPublicID(ctx, org.ID, a.Connection)
	if err != nil || conn.Protocol != a.Protocol {
		return Result{}, refused
	}
	res := Result{Connection: conn}
	if conn, err = s.admit(ctx, org, conn); err != nil {
		return res, err
	}
	c, err := s.connectorOf(ctx, org, conn)
	if err != nil {
		return res, s.idpProblem(org, err)
	}
	u, ok := c.(connector.Unsolicited)
	if !ok {
		return res, refused
	}
	ident, err := u.FinishUnsolicited(ctx, a.Request)
	if err == nil {
		err = s.spendOnce(ctx, conn, ident)
	}
	if err != nil {
		return res, s.idpProblem(org, err)
	}
	return s.complete(ctx, org, conn, c, "", ident, false)
}

// UsedAssertion is the used_once kind of the values an IdP sends once (a
// SAML assertion's ID), scoped by connection.
const UsedAssertion = "assertion"

// spendOnce records the value ident must be used with once; a second use
// is refused as a replay, on any instance and after restarts.
func (s *Service) spendOnce(ctx context.Context, conn models.Connection, ident connector.Identity) error {
	if ident.Once == nil {
		return nil
	}
	until := ident.Once.Until
	if now := s.now(); until.Before(now.Add(s.opts.StateTTL)) {
		until = now.Add(s.opts.StateTTL) // kept at least as long as a login may take
	}
	err := s.store.SpendOnce(ctx, models.UsedOnce{
		Kind:      UsedAssertion,
		IDHash:    secrets.Hash(conn.PublicID + "\x00" + ident.Once.Kind + "\x00" + ident.Once.ID),
		ExpiresAt: until,
	})
	if errors.Is(err, models.ErrAlreadyUsed) {
		return connector.NewError(CodeReplayed, "The identity provider's answer was already used once: it is refused a second time.", err)
	}
	return err
}

// CodeReplayed is the code of an answer (a SAML assertion) used twice.
const CodeReplayed = "replayed"

// finish validates the IdP's answer to the login st and decides what it means.
func (s *Service) finish(ctx context.Context, org models.Organization, a Answer, st loginState) (Result, error) {
	// The stored row, not a cached one: role sync follows the mappings as
	// they are now.
	conn, err := s.stateConnection(ctx, org, st.ConnectionID)
	if err != nil {
		return Result{}, err
	}
	if conn.Protocol != a.Protocol || (a.Connection != "" && a.Connection != conn.PublicID) {
		return Result{}, problem(http.StatusBadRequest, connector.CodeStateMismatch, "Sign-in failed",
			"The identity provider's answer came to the wrong address for this sign-in.", "Start the sign-in again from the login page.", nil)
	}
	res := Result{Connection: conn, IsTest: st.IsTest, ReturnTo: st.ReturnTo}
	if err := s.checkUnchanged(ctx, org, conn, st.ConfigVersion, st.IsTest); err != nil {
		if st.IsTest {
			var p *Problem
			if errors.As(err, &p) && p.Code == CodeConfigChanged {
				return s.recordTest(ctx, org, conn, st.UserID, st.ReturnTo, connector.Identity{}, connector.NewError(CodeConfigChanged, p.Message+" Run the test again.", nil))
			}
		}
		return res, err
	}
	c, err := s.connectorOf(ctx, org, conn)
	if err != nil {
		if st.IsTest {
			return s.recordTest(ctx, org, conn, st.UserID, st.ReturnTo, connector.Identity{}, err)
		}
		return res, s.idpProblem(org, err)
	}
	ident, ferr := c.Finish(ctx, a.Request, st.Pending)
	if ferr == nil {
		ferr = s.spendOnce(ctx, conn, ident)
	}
	if st.IsTest {
		return s.recordTest(ctx, org, conn, st.UserID, st.ReturnTo, ident, ferr)
	}
	if ferr != nil {
		return res, s.idpProblem(org, ferr)
	}
	if st.IsLink {
		if err := s.link(ctx, org, conn, st.UserID, ident, a.Viewer); err != nil {
			return res, err
		}
	}
	return s.complete(ctx, org, conn, c, st.ReturnTo, ident, false)
}

// stateConnection loads the connection a login state was begun with.
func (s *Service) stateConnection(ctx context.Context, org models.Organization, connID int64) (models.Connection, error) {
	conn, err := s.store.ConnectionByID(ctx, org.ID, connID)
	if err != nil {
		return conn, problem(http.StatusBadRequest, "connection_gone", "Sign-in failed",
			"The connection used for this sign-in no longer exists.", "Start again from the login page.", err)
	}
	return conn, nil
}

// checkUnchanged refuses to finish a login through a connection whose
// settings changed since it began or (for members) that is no longer usable.
func (s *Service) checkUnchanged(ctx context.Context, org models.Organization, conn models.Connection, version int64, isTest bool) error {
	if conn.Version != version {
		return Interrupted(nil)
	}
	if isTest {
		return nil
	}
	conn, err := s.admit(ctx, org, conn)
	if err == nil && conn.Version != version {
		return Interrupted(nil)
	}
	return err
}

// admit checks that a member may log in through conn. The org and
// connection the web layer passes may come from the Store's short cache, so
// a refusal is decided again on the stored rows: a cache never refuses a
// login that another instance has just made possible (and what it admits
// is checked again when the session is written). It returns the
// connection it decided on.
func (s *Service) admit(ctx context.Context, org models.Organization, conn models.Connection) (models.Connection, error) {
	err := s.usable(ctx, org, conn)
	if err == nil {
		return conn, nil
	}
	if !errors.Is(err, ErrNotEnabled) {
		return conn, err
	}
	stored, oerr := s.store.Organization(ctx, org.ID)
	if oerr != nil {
		return conn, err
	}
	storedConn, cerr := s.store.ConnectionByID(ctx, org.ID, conn.ID)
	if cerr != nil {
		return conn, err
	}
	return storedConn, s.usable(ctx, stored, storedConn)
}

// CodeConfigChanged is the code of a login whose connection changed while
// it was in progress.
const CodeConfigChanged = "config_changed"

// Interrupted is the problem of a login whose connection was edited or
// switched off while it was in progress (err, if any, says how it showed).
func Interrupted(err error) *Problem {
	return problem(http.StatusConflict, CodeConfigChanged, "Sign-in interrupted",
		"The connection's settings changed while this sign-in was in progress.", "Start again.", err)
}

// complete provisions the member, decides their profile and role update
// (Result.Member) and prepares RP-initiated logout. Without
// consented, a connection that asks for consent stops before creating an
// account and returns a Consent for the person to accept.
func (s *Service) complete(ctx context.Context, org models.Organization, conn models.Connection, c connector.Connector, returnTo string, ident connector.Identity, consented bool) (Result, error) {
	res := Result{Connection: conn, ReturnTo: returnTo}
	prov, err := ProvisioningOf(conn)
	if err != nil {
		return res, err
	}
	user, update, err := s.provision(ctx, org, conn, prov, ident, consented)
	if errors.Is(err, errConsentNeeded) {
		return s.askConsent(ctx, org, conn, returnTo, ident, prov)
	}
	if err != nil {
		return res, err
	}
	res.User, res.Member = user, update
	if lo, ok := c.(connector.Logouter); ok && ident.IDTokenHint != "" {
		if _, has := lo.LogoutURL(ctx, "x", s.PostLogoutURL(org)); has {
			res.LogoutHint = s.sealLogoutHint(logoutHint{OrgID: org.ID, ConnectionID: conn.ID, IDToken: ident.IDTokenHint})
		}
	}
	return res, nil
}

// idpProblem turns a connector failure into a page a member can read; the
// technical detail goes only to the log.
func (s *Service) idpProblem(org models.Organization, err error) error {
	ce, ok := connector.AsError(err)
	if !ok {
		return err
	}
	s.log.Warn("sso login failed", "org", org.Slug, "code", ce.Code, "err", err)
	switch ce.Code {
	case connector.CodeEmailUnverified:
		return problem(http.StatusForbidden, ce.Code, "Email not verified",
			"Your identity provider has not verified your email address, and "+org.Name+" requires a verified one.",
			"Verify your email address with your identity provider, then sign in again.", err)
	case connector.CodeIdPError:
		return problem(http.StatusBadGateway, ce.Code, "Sign-in refused by your identity provider", ce.Reason,
			"Try again; if it keeps failing, tell an administrator of "+org.Name+".", err)
	case CodeReplayed:
		return problem(http.StatusBadRequest, ce.Code, "Sign-in already used", ce.Reason,
			"Start the sign-in again from the login page.", err)
	}
	return problem(http.StatusBadGateway, ce.Code, "Sign-in failed",
		"The answer from your identity provider could not be accepted.", "Try again; if it keeps failing, tell an administrator of "+org.Name+".", err)
}
