// Command load measures what one SSO login costs orgsso, next to a bare
// relying party doing the same OpenID Connect login, and what many people
// behind one address get (`make load`; issue 10's figures). It is not a test:
// `make test` does not run it and nothing in it asserts a target.
//
// It builds three programs and runs each as a process of its own on
// loopback, so that each one's CPU can be read from /proc/PID/stat:
//
//   - idp (e2e/load/idp): the test OpenID provider of e2e/idp (zitadel/oidc),
//     signing ES256, completing every authorization at once as one user;
//   - baseline (e2e/load/baseline): a minimal go-oidc + x/oauth2 relying
//     party, state and session in memory, PKCE S256, nonce, state cookie;
//   - orgsso itself (`go build .`), on a fresh SQLite data dir, with default
//     settings (log level info), an org created with `orgsso orgs create`
//     and then set up through its own pages as its admin would: log in, add
//     a Custom OIDC connection to the IdP (JIT, default role user), run its
//     test through the IdP, enable SSO.
//
// A login is one person with a fresh cookie jar: GET the RP's login start
// (orgsso: /o/{org}/sso/{conn}/start; baseline: /login), follow the
// redirects through the IdP and the callback to the landing page (orgsso:
// /o/{org}; baseline: /), read every body. It succeeds when the landing page
// answers 200. All simulated browsers share one keep-alive connection pool.
//
// Mode rounds (default): after an unmeasured warm-up (the first login
// provisions the member), rounds alternate orgsso, baseline, orgsso, ...
// (-rounds each, at least 3), each with -users concurrent people logging in
// back to back for -duration (or -logins logins). Before and after each
// round it samples utime+stime of the RP's and the IdP's process (clock
// ticks of `getconf CLK_TCK`) and the IdP's request counts. It prints per
// round and per RP: successful logins, logins/s, p50 and p99 latency of a
// whole login, errors by kind, RP CPU ms and IdP CPU ms per successful
// login, token and userinfo requests per login and discovery/JWKS fetches
// (0 in steady state); then the median over rounds of the ratio
// orgsso RP CPU per login / baseline RP CPU per login, and how many
// "database is locked" orgsso logged.
//
// Mode crowd (-mode crowd): -crowd-users people (200) from one address,
// all at once, -crowd-logins logins each, against orgsso only; it prints the
// successes, errors by kind (HTTP status and the step that answered it) and
// the "database is locked" lines orgsso wrote to its log meanwhile.
//
// The load generator, the IdP and the RP share the machine's CPUs, so
// logins/s and latency depend on the machine; CPU per login and the ratio
// are the figures to compare. Child processes are stopped when the run
// ends, fails or is interrupted, and killed by the kernel if the harness
// itself dies (Pdeathsig).
package main
