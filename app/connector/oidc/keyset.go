package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keyRefreshInterval is the least time between two JWKS fetches of one
// connector after the first.
const keyRefreshInterval = 10 * time.Second

// errUnknownKey is returned when no published key verifies a token.
var errUnknownKey = errors.New("no published key verifies the token")

// keySet is an oidc.KeySet that caches the IdP's JWKS and re-fetches it on
// an unknown key id at most once per keyRefreshInterval.
//
// go-oidc's RemoteKeySet (v3.21, jwks.go) re-fetches on every token whose
// kid it does not know or whose signature fails; it only collapses
// concurrent fetches into one. Anyone able to reach the callback with a
// forged token could make us hammer the IdP, so we limit it here.
type keySet struct {
	url      string
	client   *http.Client
	interval time.Duration
	now      func() time.Time

	mu   sync.RWMutex
	keys []jose.JSONWebKey
	gen  int // bumped on every successful fetch

	fetchMu   sync.Mutex // serializes fetches
	lastFetch time.Time
	lastErr   error // of the latest fetch; guarded by mu
}

// lastError returns the error of the latest fetch, or nil. go-oidc formats
// key set errors with %v, so callers cannot unwrap them.
func (k *keySet) lastError() error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.lastErr
}

func newKeySet(jwksURL string, client *http.Client) *keySet {
	return &keySet{url: jwksURL, client: client, interval: keyRefreshInterval, now: time.Now}
}

var allAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
}

// VerifySignature implements oidc.KeySet. The verifier has already checked
// the algorithm against the allowed list.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSigned(jwt, allAlgs)
	if err != nil {
		return nil, fmt.Errorf("malformed jwt: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("expected exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID

	k.mu.RLock()
	keys, gen := k.keys, k.gen
	k.mu.RUnlock()
	if payload, ok := verifyWith(jws, keys, kid); ok {
		return payload, nil
	}

	k.fetchMu.Lock()
	k.mu.RLock()
	fresh := k.gen != gen
	keys = k.keys
	k.mu.RUnlock()
	if !fresh {
		if !k.lastFetch.IsZero() && k.now().Sub(k.lastFetch) < k.interval {
			k.fetchMu.Unlock()
			return nil, fmt.Errorf("%w (key id %q; keys re-fetched less than %s ago)", errUnknownKey, kid, k.interval)
		}
		k.lastFetch = k.now()
		keys, err = k.fetch(ctx)
		k.mu.Lock()
		k.lastErr = err
		k.mu.Unlock()
		if err != nil {
			k.fetchMu.Unlock()
			return nil, fmt.Errorf("fetching keys: %w", err)
		}
		k.mu.Lock()
		k.keys = keys
		k.gen++
		k.mu.Unlock()
	}
	k.fetchMu.Unlock()

	if payload, ok := verifyWith(jws, keys, kid); ok {
		return payload, nil
	}
	return nil, fmt.Errorf("%w (key id %q)", errUnknownKey, kid)
}

func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey, kid string) ([]byte, bool) {
	for i := range keys {
		if kid != "" && keys[i].KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// fetch downloads the JWKS, skipping keys it cannot parse or that are not
// for signatures (as go-oidc does), so one exotic key does not break login.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", k.url, resp.Status)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("%s did not return a JSON key set: %w", k.url, err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range set.Keys {
		var key jose.JSONWebKey
		if json.Unmarshal(raw, &key) != nil || (key.Use != "" && key.Use != "sig") || !key.IsPublic() {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s published no usable signing keys", k.url)
	}
	return keys, nil
}
