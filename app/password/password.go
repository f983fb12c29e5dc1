// Package password hashes and checks local account passwords with argon2id,
// and generates one-time passwords.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters of new hashes (RFC 9106's second recommended option, with less
// memory so a small self-hosted machine can take a burst of logins).
const (
	timeCost = 3
	memory   = 64 * 1024
	threads  = 2
	keyLen   = 32
	saltLen  = 16
)

// MinLength is the shortest password accepted.
const MinLength = 10

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("password: mismatch")

// Hash returns an encoded argon2id hash of pw.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum := argon2.IDKey([]byte(pw), salt, timeCost, memory, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, timeCost, threads,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// Check compares pw with an encoded hash in constant time.
func Check(encoded, pw string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return ErrMismatch
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return ErrMismatch
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return ErrMismatch
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return ErrMismatch
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// Validate says what is wrong with a new password, or "" when it will do.
func Validate(pw string) string {
	if len(pw) < MinLength {
		return fmt.Sprintf("Use at least %d characters.", MinLength)
	}
	if len(pw) > 256 {
		return "Use at most 256 characters."
	}
	return ""
}

// OneTime returns a random password to hand to a new account once.
func OneTime() string {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
