// Package secrets seals values that must never be stored or shown in the
// clear (client secrets, SAML private keys) with AES-256-GCM under the
// instance's secret key. A sealed value is bound to what it belongs to (the
// additional data), so a sealed secret copied onto another row does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a secret key in bytes.
const KeySize = 32

// ErrOpen means a sealed value did not open: wrong key, wrong binding or
// tampered data.
var ErrOpen = errors.New("secrets: sealed value does not open with this key")

// Sealer seals and opens values.
type Sealer struct{ aead cipher.AEAD }

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to binding and returns "v1:" + base64.
func (s *Sealer) Seal(plaintext, binding string) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := s.aead.Seal(nonce, nonce, []byte(plaintext), []byte(binding))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value made by Seal with the same binding.
func (s *Sealer) Open(sealed, binding string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", ErrOpen
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < s.aead.NonceSize() {
		return "", ErrOpen
	}
	plain, err := s.aead.Open(nil, data[:s.aead.NonceSize()], data[s.aead.NonceSize():], []byte(binding))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// LoadKey returns the key from its base64 text, or, when text is empty, from
// dataDir/secret.key, generating that file (mode 0600) on first run.
func LoadKey(text, dataDir string) ([]byte, error) {
	if text != "" {
		return decodeKey(text, "ORGSSO_SECRET_KEY")
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return decodeKey(strings.TrimSpace(string(b)), path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadKey("", dataDir)
		}
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return nil, err
	}
	return key, f.Sync()
}

func decodeKey(text, where string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(text); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%s must be %d bytes in base64 (openssl rand -base64 32)", where, KeySize)
}
