// Package secrets seals values that must never be stored or shown in the
// clear (client secrets, SAML private keys, IdP logout hints) with
// AES-256-GCM under the instance's secret keys. A sealed value is bound to
// what it belongs to (the additional data), so a sealed secret copied onto
// another row does not open.
//
// Keys rotate: a Sealer holds a list of keys, newest first. It seals under
// the newest and names that key in the sealed value ("v2:<key id>:…"), so
// that opening picks the right key; values sealed before key ids existed
// ("v1:…") open with whichever configured key fits.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a secret key in bytes.
const KeySize = 32

// KeyEnv is the environment variable that holds the secret keys; errors
// about keys name it, so that the operator knows what to fix.
const KeyEnv = "ORGSSO_SECRET_KEY"

// KeySeparator separates the keys of a list in ORGSSO_SECRET_KEY (newest
// first). Base64 never contains it.
const KeySeparator = ","

// ErrOpen means a sealed value did not open: wrong key, wrong binding or
// tampered data.
var ErrOpen = errors.New("secrets: sealed value does not open with this key")

// ErrUnknownKey means a value was sealed under a key that is not among the
// configured ones. It is an ErrOpen too.
var ErrUnknownKey = fmt.Errorf("%w: it was sealed under a key that is not configured", ErrOpen)

// Sealer seals and opens values.
type Sealer struct{ keys []sealKey }

type sealKey struct {
	id   string
	aead cipher.AEAD
}

// New returns a Sealer for one 32-byte key.
func New(key []byte) (*Sealer, error) { return NewKeyring([][]byte{key}) }

// NewKeyring returns a Sealer for keys, newest first: it seals under the
// first and opens what any of them sealed. The same key twice is an error.
func NewKeyring(keys [][]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("secrets: no key")
	}
	s := &Sealer{}
	seen := map[string]int{}
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secrets: key %d must be %d bytes, got %d", i+1, KeySize, len(key))
		}
		id := KeyID(key)
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("secrets: keys %d and %d are the same key", j+1, i+1)
		}
		seen[id] = i
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, sealKey{id: id, aead: aead})
	}
	return s, nil
}

// KeyID is a key's public name in the values it seals: a short
// fingerprint (SHA-256 under a fixed label, 8 bytes, base64url) that tells
// keys apart and says nothing of the key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("orgsso secret key id v1\x00"), key...))
	return base64.RawURLEncoding.EncodeToString(sum[:8])
}

// KeyIDs lists the configured keys' ids, newest first.
func (s *Sealer) KeyIDs() []string {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.id
	}
	return out
}

// Seal encrypts plaintext bound to binding under the newest key and returns
// "v2:" + key id + ":" + base64(nonce | ciphertext).
func (s *Sealer) Seal(plaintext, binding string) string {
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(binding))
	return "v2:" + k.id + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value made by Seal with the same binding: with the key
// its id names, or, for a value sealed before key ids ("v1:"), with each
// configured key in turn.
func (s *Sealer) Open(sealed, binding string) (string, error) {
	plain, _, err := s.open(sealed, binding)
	return plain, err
}

func (s *Sealer) open(sealed, binding string) (string, int, error) {
	if raw, ok := strings.CutPrefix(sealed, "v1:"); ok {
		for i, k := range s.keys {
			if plain, err := openWith(k.aead, raw, binding); err == nil {
				return plain, i, nil
			}
		}
		return "", -1, ErrOpen
	}
	rest, ok := strings.CutPrefix(sealed, "v2:")
	if !ok {
		return "", -1, ErrOpen
	}
	id, raw, ok := strings.Cut(rest, ":")
	if !ok {
		return "", -1, ErrOpen
	}
	for i, k := range s.keys {
		if k.id == id {
			plain, err := openWith(k.aead, raw, binding)
			return plain, i, err
		}
	}
	return "", -1, ErrUnknownKey
}

func openWith(aead cipher.AEAD, raw, binding string) (string, error) {
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < aead.NonceSize() {
		return "", ErrOpen
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(binding))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// SealedKeyID returns the id of the key a value names ("" for a value
// sealed before key ids, or one that is not a sealed value).
func SealedKeyID(sealed string) string {
	rest, ok := strings.CutPrefix(sealed, "v2:")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// Reseal opens sealed and, unless it is already sealed under the newest
// key, seals its plaintext again under the newest key with the same
// binding. changed says whether the value is new.
func (s *Sealer) Reseal(sealed, binding string) (resealed string, changed bool, err error) {
	plain, i, err := s.open(sealed, binding)
	if err != nil {
		return "", false, err
	}
	if i == 0 && strings.HasPrefix(sealed, "v2:") {
		return sealed, false, nil
	}
	return s.Seal(plain, binding), true, nil
}

// Keys is what LoadKeys found.
type Keys struct {
	Keys [][]byte // newest first
	// Generated is the key file LoadKeys just created ("" when the keys
	// came from ORGSSO_SECRET_KEY or an existing file).
	Generated string
}

// LoadKeys returns the keys from text, ORGSSO_SECRET_KEY's value: one
// base64 key or several separated by commas, newest first. When text is
// empty they come from dataDir/secret.key (same format), which is generated
// (one key, mode 0600) on first run.
func LoadKeys(text, dataDir string) (Keys, error) {
	if strings.TrimSpace(text) != "" {
		keys, err := decodeKeys(text, KeyEnv)
		return Keys{Keys: keys}, err
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		keys, err := decodeKeys(string(b), path)
		return Keys{Keys: keys}, err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Keys{}, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return Keys{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Keys{}, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadKeys("", dataDir)
		}
		return Keys{}, err
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return Keys{}, err
	}
	return Keys{Keys: [][]byte{key}, Generated: path}, f.Sync()
}

// decodeKeys splits a key list at commas (line breaks and spaces around
// keys are ignored) and decodes each key; errors say which key is wrong
// and never show it.
func decodeKeys(text, where string) ([][]byte, error) {
	parts := strings.Split(strings.NewReplacer("\r", "", "\n", KeySeparator).Replace(text), KeySeparator)
	var keys [][]byte
	seen := map[string]int{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n := len(keys) + 1
		k, err := decodeKey(p)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d must be %d bytes in base64 (openssl rand -base64 32); several keys are separated by commas, newest first",
				where, n, KeySize)
		}
		if j, dup := seen[string(k)]; dup {
			return nil, fmt.Errorf("%s: keys %d and %d are the same key; list each key once", where, j, n)
		}
		seen[string(k)] = n
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no key (openssl rand -base64 32)", where)
	}
	return keys, nil
}

func decodeKey(text string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(text); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, errors.New("not a key")
}
