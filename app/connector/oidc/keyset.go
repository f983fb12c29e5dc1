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

// unknownKeyRetry is the least time between two JWKS re-fetches of one
// connector for the same unknown key id.
const unknownKeyRetry = 30 * time.Second

// maxUnknownKeys bounds how many unknown key ids a key set remembers.
const maxUnknownKeys = 64

// Errors of VerifySignature. go-oidc formats key set errors with %v, so
// verifyError recognizes them by their text.
var (
	// errUnknownKey: the token's key id is not published, even after a
	// re-fetch of the JWKS.
	errUnknownKey = errors.New("key id not published by the identity provider")
	// errBadSignature: the token names a published key, which does not
	// verify it.
	errBadSignature = errors.New("no published key verifies the token")
)

// keySet is an oidc.KeySet that caches the IdP's JWKS.
//
// In the code flow the ID token comes from the IdP's token endpoint over
// the back channel, so a key id we do not know means the IdP rotated its
// keys: the set is re-fetched at once. Concurrent callers share one fetch,
// which runs detached from any caller's context (a cancelled request must
// not leave the set stale for everyone else) and is bounded by timeout.
// Only repeated re-fetches for the same unknown key id are limited, to one
// per unknownKeyRetry, so a token signed with a key the IdP never publishes
// cannot make us hammer its JWKS endpoint. A token naming a published key
// whose signature does not verify is refused without a fetch.
type keySet struct {
	url     string
	client  *http.Client
	timeout time.Duration
	retry   time.Duration
	now     func() time.Time

	mu       sync.Mutex
	keys     []jose.JSONWebKey // of the latest successful fetch
	lastErr  error             // of the latest fetch
	started  int               // fetches started so far; numbers fetchCall.seq
	inflight *fetchCall        // the fetch under way, or nil
	last     *fetchCall        // the latest finished fetch, or nil
	unknown  map[string]time.Time
}

// fetchCall is one JWKS fetch that any number of callers wait for.
type fetchCall struct {
	seq  int
	done chan struct{} // closed when keys and err are set
	keys []jose.JSONWebKey
	err  error
}

func newKeySet(jwksURL string, client *http.Client, timeout time.Duration) *keySet {
	return &keySet{url: jwksURL, client: client, timeout: timeout, retry: unknownKeyRetry, now: time.Now,
		unknown: map[string]time.Time{}}
}

// lastError returns the error of the latest fetch, or nil.
func (k *keySet) lastError() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
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

	// A caller may join a fetch that started before it saw its key id
	// missing, and so may predate the rotation; it then gets one fetch of
	// its own. Three rounds cover that with room to spare.
	for range 3 {
		k.mu.Lock()
		keys, seen := k.keys, k.started
		k.mu.Unlock()
		if payload, ok := verifyWith(jws, keys, kid); ok {
			return payload, nil
		}
		if kid != "" && hasKeyID(keys, kid) {
			return nil, fmt.Errorf("%w (key id %q)", errBadSignature, kid)
		}
		call, err := k.fetchFor(ctx, kid, seen)
		if err != nil {
			return nil, err
		}
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("fetching keys: %w", ctx.Err())
		}
		if call.err != nil {
			return nil, fmt.Errorf("fetching keys: %w", call.err)
		}
		if payload, ok := verifyWith(jws, call.keys, kid); ok {
			return payload, nil
		}
		if kid != "" && hasKeyID(call.keys, kid) {
			return nil, fmt.Errorf("%w (key id %q)", errBadSignature, kid)
		}
		if call.seq > seen {
			// This fetch started after the key id was found missing, so
			// the IdP does not publish it.
			k.mu.Lock()
			k.rememberUnknown(kid)
			k.mu.Unlock()
			return nil, fmt.Errorf("%w (key id %q, even after fetching the keys again)", errUnknownKey, kid)
		}
	}
	return nil, fmt.Errorf("%w (key id %q)", errUnknownKey, kid)
}

// fetchFor returns the fetch to wait for when kid is missing from the keys
// the caller saw after seen fetches had started: one that started since (under
// way or finished), else the one under way, else a new one. It refuses when
// kid was found missing after a fetch less than k.retry ago.
func (k *keySet) fetchFor(ctx context.Context, kid string, seen int) (*fetchCall, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t, ok := k.unknown[kid]; ok && k.now().Sub(t) < k.retry {
		return nil, fmt.Errorf("%w (key id %q; the keys were fetched again for it less than %s ago)", errUnknownKey, kid, k.retry)
	}
	if k.last != nil && k.last.seq > seen {
		return k.last, nil
	}
	if k.inflight != nil {
		return k.inflight, nil
	}
	k.started++
	call := &fetchCall{seq: k.started, done: make(chan struct{})}
	k.inflight = call
	// Detached from the caller: its cancellation must not fail the fetch
	// for everyone waiting on it.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.timeout)
	go func() {
		defer cancel()
		keys, err := k.fetch(fctx)
		k.mu.Lock()
		call.err, k.lastErr = err, err
		if err == nil {
			k.keys = keys
		}
		call.keys = k.keys
		k.inflight, k.last = nil, call
		k.mu.Unlock()
		close(call.done)
	}()
	return call, nil
}

// rememberUnknown records that kid was missing after a fresh fetch, dropping
// entries that no longer limit anything. Callers hold k.mu.
func (k *keySet) rememberUnknown(kid string) {
	now := k.now()
	for id, t := range k.unknown {
		if now.Sub(t) >= k.retry {
			delete(k.unknown, id)
		}
	}
	if len(k.unknown) >= maxUnknownKeys {
		for id := range k.unknown { // any one; the map is full of recent junk
			delete(k.unknown, id)
			break
		}
	}
	k.unknown[kid] = now
}

func hasKeyID(keys []jose.JSONWebKey, kid string) bool {
	for i := range keys {
		if keys[i].KeyID == kid {
			return true
		}
	}
	return false
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
