// Package signin owns the SSO login flow without any HTTP framework: Begin
// stores a single-use LoginState and returns where to send the browser;
// Finish consumes the state, lets the connection's connector validate the
// IdP's answer, and decides what the Identity means for the org — a recorded
// TestRun for an admin's test, or a provisioned user with roles synced from
// group mappings for a member's login. It also builds RP-initiated logout
// URLs. It uses app/connector, app/authz, app/secrets and models.
package signin
