package signin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// A login in flight lives in the browser, not in the database: Begin seals
// it with the server key into the value of the org's login cookie, and
// Finish opens it there. Starting a login so writes nothing; spending it
// writes its id into used_once, once, on whichever instance the answer
// reaches (DESIGN.md, Login state).
//
// One cookie holds the browser's pending logins of one org, oldest first:
// a second tab's login does not end the first's. They are bounded in number
// and size; a new login drops the oldest.
const (
	// MaxPendingLogins is how many logins a browser may have in flight per org.
	MaxPendingLogins = 4
	// maxStateCookie bounds the cookie value, below browsers' 4 KiB per cookie.
	maxStateCookie = 3800
	// maxReturnTo is the longest return path kept with a login; a longer one
	// is dropped for the org's home page, so the cookie stays bounded.
	maxReturnTo = 512
	// stateSep separates the sealed logins in the cookie (not a character
	// of a sealed value).
	stateSep = "~"
	// UsedLogin is the used_once kind of a spent login state.
	UsedLogin = "login"
)

// loginState is one login in flight, as sealed into the browser's cookie.
type loginState struct {
	StateHash     string `json:"s"`
	OrgID         int64  `json:"o"`
	ConnectionID  int64  `json:"c"`
	ConfigVersion int64  `json:"v"`
	Pending       []byte `json:"p"` // the connector's own state (nonce, PKCE verifier)
	ReturnTo      string `json:"r,omitempty"`
	IsTest        bool   `json:"t,omitempty"`
	IsLink        bool   `json:"l,omitempty"`
	UserID        *int64 `json:"u,omitempty"`
	ExpiresAt     int64  `json:"e"` // unix seconds
}

func (st loginState) expired(now time.Time) bool { return now.Unix() >= st.ExpiresAt }

func (st loginState) expiry() time.Time { return time.Unix(st.ExpiresAt, 0).UTC() }

// stateBinding binds a sealed login to its org: a cookie value copied to
// another org's path does not open there.
func stateBinding(orgID int64) string { return "login-state:" + strconv.FormatInt(orgID, 10) }

// pendingLogins are the logins a browser's cookie holds for one org: the
// ones that open, oldest first, each with its sealed form.
type pendingLogins struct {
	states []loginState
	sealed []string
}

// openStates reads the org's login cookie; entries that do not open (another
// key, tampered, another org) or have expired long ago are left out.
func (s *Service) openStates(orgID int64, cookie string) pendingLogins {
	var p pendingLogins
	if cookie == "" || len(cookie) > 2*maxStateCookie {
		return p
	}
	now := s.now()
	for _, sealed := range strings.Split(cookie, stateSep) {
		raw, err := s.sealer.Open(sealed, stateBinding(orgID))
		if err != nil {
			continue
		}
		var st loginState
		if json.Unmarshal([]byte(raw), &st) != nil || st.OrgID != orgID || st.StateHash == "" {
			continue
		}
		// An expired login stays only long enough to say it expired.
		if now.Sub(st.expiry()) > s.opts.StateTTL {
			continue
		}
		p.states = append(p.states, st)
		p.sealed = append(p.sealed, sealed)
	}
	return p
}

// add appends a new login and drops the oldest beyond the bounds.
func (p pendingLogins) add(st loginState, sealed string) pendingLogins {
	p.states, p.sealed = append(p.states, st), append(p.sealed, sealed)
	for len(p.sealed) > 1 && (len(p.sealed) > MaxPendingLogins || len(p.cookie()) > maxStateCookie) {
		p.states, p.sealed = p.states[1:], p.sealed[1:]
	}
	return p
}

// take removes and returns the login of state, if the cookie holds it.
func (p pendingLogins) take(state string) (loginState, pendingLogins, bool) {
	want := []byte(secrets.Hash(state))
	for i, st := range p.states {
		if subtle.ConstantTimeCompare([]byte(st.StateHash), want) == 1 {
			rest := pendingLogins{
				states: append(p.states[:i:i], p.states[i+1:]...),
				sealed: append(p.sealed[:i:i], p.sealed[i+1:]...),
			}
			return st, rest, true
		}
	}
	return loginState{}, p, false
}

// cookie is the cookie value that holds these logins ("" for none).
func (p pendingLogins) cookie() string { return strings.Join(p.sealed, stateSep) }

// newState seals a login to begin and returns it with its cookie value.
func (s *Service) newState(req BeginRequest, conn models.Connection, state string, pending []byte, cookie string) (string, error) {
	returnTo := req.ReturnTo
	if len(returnTo) > maxReturnTo {
		returnTo = ""
	}
	st := loginState{
		StateHash: secrets.Hash(state), OrgID: req.Org.ID, ConnectionID: conn.ID, ConfigVersion: conn.Version,
		Pending: pending, ReturnTo: returnTo, IsTest: req.IsTest, IsLink: req.IsLink, UserID: req.UserID,
		ExpiresAt: s.now().Add(s.opts.StateTTL).Unix(),
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	sealed := s.sealer.Seal(string(raw), stateBinding(req.Org.ID))
	return s.openStates(req.Org.ID, cookie).add(st, sealed).cookie(), nil
}

// takeState finds the login that state names among the browser's pending
// logins (cookie) and returns it with the cookie value that remains. A
// refusal comes with the login when it was this browser's (expired), so
// that an admin's test can record why it failed; it is never used to go on.
// The login is not spent here: the caller spends it (spend, or with the
// session it writes), so that an answer is used once on any instance.
func (s *Service) takeState(ctx context.Context, org models.Organization, state, cookie string) (loginState, string, error) {
	pending := s.openStates(org.ID, cookie)
	st, rest, ok := pending.take(state)
	remaining := rest.cookie()
	if !ok {
		used, err := s.store.WasUsed(ctx, UsedLogin, secrets.Hash(state))
		switch {
		case err != nil:
			return st, cookie, err
		case used:
			return st, remaining, problem(http.StatusBadRequest, connector.CodeStateExpired, "Sign-in expired",
				"This sign-in was already used.", "Start the sign-in again from the login page.", nil)
		case len(pending.states) > 0:
			// This browser has logins in flight, but none is this one.
			return st, remaining, problem(http.StatusBadRequest, connector.CodeStateExpired, "Sign-in expired",
				"This sign-in has expired or was already used.", "Start the sign-in again from the login page.", nil)
		}
		return st, remaining, problem(http.StatusBadRequest, connector.CodeStateMismatch, "Sign-in failed",
			"This sign-in was started in another browser, or its cookie is missing or has expired.",
			"Start the sign-in again in this browser; allow cookies for this site.", nil)
	}
	if st.expired(s.now()) {
		return st, remaining, problem(http.StatusBadRequest, connector.CodeStateExpired, "Sign-in expired",
			"This sign-in has expired.", "Start the sign-in again from the login page.", nil)
	}
	return st, remaining, nil
}

// spend marks a login state used, so its answer is not accepted again; a
// second spend (a replay, or the same answer on another instance) is the
// "already used" refusal.
func (s *Service) spend(ctx context.Context, st loginState) error {
	return SpentProblem(s.store.SpendOnce(ctx, st.spent()))
}

// spent is the used_once row of a login state.
func (st loginState) spent() models.UsedOnce {
	// Kept a little past the state's expiry, after which the cookie is refused anyway.
	return models.UsedOnce{Kind: UsedLogin, IDHash: st.StateHash, ExpiresAt: st.expiry().Add(time.Minute)}
}

// SpentProblem turns the store's "already used" into the readable
// refusal; the web layer uses it too, since it writes a member's session
// together with the spend (the same answer may have been used on another
// instance meanwhile).
func SpentProblem(err error) error {
	if errors.Is(err, models.ErrAlreadyUsed) {
		return problem(http.StatusBadRequest, connector.CodeStateExpired, "Sign-in expired",
			"This sign-in was already used.", "Start the sign-in again from the login page.", err)
	}
	return err
}
