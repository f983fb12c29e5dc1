// Package signin owns the SSO login flow without any HTTP framework: Begin
// seals the login's state into the browser's login cookie (it writes
// nothing) and returns where to send the browser; Finish finds the state in
// the cookie, lets the connection's connector validate the IdP's answer,
// and decides what the Identity means for the org — a recorded TestRun for
// an admin's test, or a provisioned user with roles synced from group
// mappings for a member's login — and the state is spent once (used_once).
// A member's profile refresh and role sync are decided, not written: they
// travel in Result.Member to the transaction that writes the session
// (models.Login), so a returning member's login is one write; a first
// login's account, link and membership (models.Admission) are written
// before, in a transaction of their own.
// It also builds RP-initiated logout URLs. It speaks protocols only through
// the connector.Registry it is given, and uses app/secrets and models.
package signin
