// Command baseline is a minimal OpenID Connect relying party, the yardstick
// the load harness (e2e/load) compares orgsso's login path with: go-oidc and
// x/oauth2, the pending login and the session kept in memory, PKCE S256, a
// nonce, and the state bound to the browser by a cookie.
//
//	GET /login     redirect to the provider
//	GET /callback  exchange the code, verify the ID token (signature, issuer,
//	               audience, expiry, nonce), start a session, redirect to /
//	GET /          200 for a valid session, 401 otherwise
//	GET /healthz   200
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	stateCookie   = "rp_state"
	sessionCookie = "rp_session"
	stateTTL      = 10 * time.Minute
	sessionTTL    = 12 * time.Hour
)

// pending is a login between /login and /callback.
type pending struct {
	nonce, verifier string
	expires         time.Time
}

// session is a signed-in person.
type session struct {
	subject, email string
	expires        time.Time
}

// rp is the relying party: its OAuth2 client, ID token verifier and the
// in-memory pending logins and sessions.
type rp struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier

	mu       sync.Mutex
	pending  map[string]pending // by state
	sessions map[string]session // by session id
}

func main() {
	log.SetPrefix("baseline: ")
	addr := flag.String("addr", "127.0.0.1:8090", "listen address (also the redirect URI's host)")
	issuer := flag.String("issuer", "", "the provider's issuer URL")
	clientID := flag.String("client-id", "baseline", "client ID")
	secret := flag.String("client-secret", "", "client secret (sent with client_secret_basic)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	provider, err := oidc.NewProvider(ctx, *issuer)
	if err != nil {
		log.Fatal(err)
	}
	r := &rp{
		oauth: oauth2.Config{ClientID: *clientID, ClientSecret: *secret, Endpoint: provider.Endpoint(),
			RedirectURL: "http://" + *addr + "/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: *clientID}),
		pending:  map[string]pending{}, sessions: map[string]session{},
	}
	r.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	go r.purge(ctx)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", r.login)
	mux.HandleFunc("GET /callback", r.callback)
	mux.HandleFunc("GET /{$}", r.home)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

func (r *rp) login(w http.ResponseWriter, req *http.Request) {
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	r.mu.Lock()
	r.pending[state] = pending{nonce: nonce, verifier: verifier, expires: time.Now().Add(stateTTL)}
	r.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/callback", MaxAge: int(stateTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, req, r.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (r *rp) callback(w http.ResponseWriter, req *http.Request) {
	state := req.URL.Query().Get("state")
	ck, err := req.Cookie(stateCookie)
	if err != nil || state == "" || ck.Value != state {
		http.Error(w, "state does not match this browser", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: "/callback", MaxAge: -1, HttpOnly: true})
	r.mu.Lock()
	p, ok := r.pending[state]
	delete(r.pending, state)
	r.mu.Unlock()
	if !ok || time.Now().After(p.expires) {
		http.Error(w, "unknown or expired login", http.StatusBadRequest)
		return
	}
	if e := req.URL.Query().Get("error"); e != "" {
		http.Error(w, "provider error: "+e, http.StatusForbidden)
		return
	}
	tok, err := r.oauth.Exchange(req.Context(), req.URL.Query().Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		http.Error(w, "exchange: "+err.Error(), http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(req.Context(), raw) // signature, issuer, audience, expiry
	if err != nil {
		http.Error(w, "id token: "+err.Error(), http.StatusForbidden)
		return
	}
	if idt.Nonce != p.nonce {
		http.Error(w, "id token: nonce mismatch", http.StatusForbidden)
		return
	}
	var claims struct {
		Email string `json:"email"`
	}
	if err := idt.Claims(&claims); err != nil {
		http.Error(w, "id token claims: "+err.Error(), http.StatusForbidden)
		return
	}
	id := random()
	r.mu.Lock()
	r.sessions[id] = session{subject: idt.Subject, email: claims.Email, expires: time.Now().Add(sessionTTL)}
	r.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, req, "/", http.StatusSeeOther)
}

func (r *rp) home(w http.ResponseWriter, req *http.Request) {
	ck, err := req.Cookie(sessionCookie)
	if err != nil {
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	s, ok := r.sessions[ck.Value]
	r.mu.Unlock()
	if !ok || time.Now().After(s.expires) {
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "signed in as %s (%s)\n", s.email, s.subject)
}

// purge drops expired pending logins and sessions every minute.
func (r *rp) purge(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.mu.Lock()
			for k, p := range r.pending {
				if now.After(p.expires) {
					delete(r.pending, k)
				}
			}
			for k, s := range r.sessions {
				if now.After(s.expires) {
					delete(r.sessions, k)
				}
			}
			r.mu.Unlock()
		}
	}
}

func random() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
