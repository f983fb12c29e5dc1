package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/models"
)

// failTestState records an admin's test whose answer from the IdP could not
// be matched to it (it came back to another browser or without the binding
// cookie, or too late) as a failed test run, saying why in words. The
// refusal stands and is returned with the run: nothing of the answer is
// used, so a forged or replayed state never records a passed test or logs
// anyone in. The web layer shows the verdict to someone who may see it and
// the refusal to anyone else.
func (s *Service) failTestState(ctx context.Context, org models.Organization, st loginState, r *http.Request, refusal error) (Result, error) {
	conn, err := s.stateConnection(ctx, org, st.ConnectionID)
	if err != nil {
		return Result{Matched: true}, refusal
	}
	res, err := s.recordTest(ctx, org, conn, st.UserID, st.ReturnTo, connector.Identity{}, s.testStateError(refusal, r, true))
	if err != nil {
		return Result{}, err
	}
	res.Matched = true
	return res, refusal
}

// FailUnmatchedTest records a failed test of conn, run by userID, for an
// answer from the IdP that names no test in progress (no state, or a state
// that is unknown: forged, already used, or removed). The web layer calls
// it only when the browser says it is running a test of conn and its
// signed-in person may test conn, since nothing in the answer can say so.
func (s *Service) FailUnmatchedTest(ctx context.Context, org models.Organization, conn models.Connection, userID int64, r *http.Request, refusal error) (models.TestRun, error) {
	return s.FailTest(ctx, org, conn, userID, s.testStateError(refusal, r, false))
}

// IsStateProblem reports whether err is a refusal of a callback whose
// state is missing, unknown, expired or brought back by another browser.
func IsStateProblem(err error) bool {
	var p *Problem
	if !errors.As(err, &p) {
		return false
	}
	switch p.Code {
	case connector.CodeStateInvalid, connector.CodeStateExpired, connector.CodeStateMismatch:
		return true
	}
	return false
}

// testStateError is the test failure for a state refusal: what happened to
// the test in words an admin can act on. found says the state named this
// test (so an expired state is known to be this test's). The IdP's error
// parameter, if any, is named by its code; its free text goes to the folded
// detail only, since an answer without a valid state may not come from the
// IdP at all.
func (s *Service) testStateError(refusal error, r *http.Request, found bool) error {
	code := connector.CodeStateInvalid
	var p *Problem
	if errors.As(refusal, &p) {
		code = p.Code
	}
	var reason string
	switch {
	case code == connector.CodeStateMismatch:
		reason = "The identity provider's answer came back to a browser that did not start this test, or without this site's cookie for it " +
			"(starting another sign-in or test in the same browser replaces it). Run the test again in one browser tab, with cookies allowed for this site."
	case code == connector.CodeStateExpired && found:
		minutes := strconv.Itoa(int(s.opts.StateTTL.Minutes()))
		reason = "This test expired: more than " + minutes + " minutes passed between starting it and the identity provider's answer. " +
			"Run the test again and finish signing in at the identity provider within " + minutes + " minutes."
	case code == connector.CodeStateExpired:
		reason = "The identity provider's answer names no test in progress: its state was already used, has expired, or was not issued by this server. " +
			"Run the test again; if this keeps happening, check that nothing between the identity provider and this site repeats or rewrites the redirect."
	default:
		reason = "The identity provider's answer carried no state, so it cannot be matched to this test. " +
			"Check that the identity provider returns the state parameter to the redirect URI, then run the test again."
	}
	var detail error
	if e := r.FormValue("error"); e != "" {
		idpCode := errorCode(e)
		reason = "The identity provider answered with the error '" + idpCode + "' instead of signing in. " + reason
		detail = fmt.Errorf("error=%q error_description=%q", idpCode, truncate(r.FormValue("error_description"), 300))
		if code == connector.CodeStateInvalid {
			code = connector.CodeIdPError
		}
	}
	return connector.NewError(code, reason, detail)
}

// errorCode is an OAuth error code as sent, when it looks like one (RFC
// 6749 §4.1.2.1 allows printable ASCII without quote and backslash; real
// codes are short words with underscores).
func errorCode(e string) string {
	if len(e) > 64 {
		return "(unreadable)"
	}
	for _, r := range e {
		if !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "(unreadable)"
		}
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
