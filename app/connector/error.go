package connector

import "errors"

// Error codes: short machine strings for logs, metrics and tests.
const (
	CodeStateInvalid        = "state_invalid"
	CodeStateExpired        = "state_expired"
	CodeStateMismatch       = "state_mismatch"
	CodeIdPError            = "idp_error"
	CodeEmailUnverified     = "email_unverified"
	CodeDiscoveryFailed     = "discovery_failed"
	CodeIssuerMismatch      = "issuer_mismatch"
	CodeTokenExchangeFailed = "token_exchange_failed"
	CodeSignatureInvalid    = "signature_invalid"
	CodeTokenExpired        = "token_expired"
	CodeTokenNotYetValid    = "token_not_yet_valid"
	CodeAudMismatch         = "aud_mismatch"
	CodeAzpMismatch         = "azp_mismatch"
	CodeNonceMismatch       = "nonce_mismatch"
	CodeAtHashMismatch      = "at_hash_mismatch"
	CodeUserinfoFailed      = "userinfo_failed"
	CodeUserinfoSubMismatch = "userinfo_sub_mismatch"
	CodeMissingClaim        = "missing_claim"
	CodeInvalidConfig       = "invalid_config"
	CodeInitiateRefused     = "initiate_refused"
)

// Error is a login or connection failure with a plain-words Reason that a
// test result page can show to an admin, a technical Detail for the log, and
// a short machine Code.
//
// Reasons never contain secrets or tokens; they may name values an admin
// typed (issuer, client id) or the IdP's own error text.
type Error struct {
	Code   string
	Reason string
	Detail string
	Err    error
}

// NewError returns an *Error; err (may be nil) becomes the Detail and is unwrapped.
func NewError(code, reason string, err error) *Error {
	e := &Error{Code: code, Reason: reason, Err: err}
	if err != nil {
		e.Detail = err.Error()
	}
	return e
}

// Error returns the code and reason, plus the detail when there is one.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Reason
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Reason returns the plain-words reason of an *Error in err's chain, or a
// fixed generic sentence for any other error (whose text may be technical).
func Reason(err error) string {
	if e, ok := AsError(err); ok {
		return e.Reason
	}
	return "The login could not be completed because of an unexpected error."
}
