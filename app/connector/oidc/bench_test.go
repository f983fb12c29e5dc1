package oidc

import (
	"context"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/e2e/idp"
)

// BenchmarkFloor is bare go-oidc + x/oauth2 against the ES256 test IdP:
// authorize (driven over HTTP), Exchange and Verify. Our connector cannot
// be faster than this.
func BenchmarkFloor(b *testing.B) {
	srv := newIdP(b, idp.WithES256())
	ctx := gooidc.ClientContext(context.Background(), outbound.New(outbound.Options{AllowPrivate: true}))
	p, err := gooidc.NewProvider(ctx, srv.Issuer())
	if err != nil {
		b.Fatal(err)
	}
	verifier := p.Verifier(&gooidc.Config{ClientID: clientID})
	conf := oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: callbackURL,
		Scopes: []string{"openid", "email", "profile"}}
	b.ReportAllocs()
	for b.Loop() {
		cb, err := srv.Authorize(ctx, conf.AuthCodeURL("state", gooidc.Nonce("nonce")))
		if err != nil {
			b.Fatal(err)
		}
		tok, err := conf.Exchange(ctx, cb.Query().Get("code"))
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		if _, err := verifier.Verify(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConnector is a whole login through our connector against the
// same IdP: Begin, authorize, Finish (exchange, verify, checks, mapping).
func BenchmarkConnector(b *testing.B) {
	srv := newIdP(b, idp.WithES256())
	c := open(b, baseConfig(srv))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		authURL, pending, err := c.Begin(ctx, connector.LoginRequest{State: "state", CallbackURL: callbackURL})
		if err != nil {
			b.Fatal(err)
		}
		cb, err := srv.Authorize(ctx, authURL)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Finish(ctx, newCallbackRequest(cb.String()), pending); err != nil {
			b.Fatal(err)
		}
	}
	if srv.DiscoveryHits() != 1 || srv.JWKSHits() != 1 {
		b.Fatalf("discovery %d, jwks %d; want 1 each", srv.DiscoveryHits(), srv.JWKSHits())
	}
}
