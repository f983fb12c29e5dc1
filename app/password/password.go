// Package password hashes and checks local account passwords with argon2id,
// and generates one-time passwords.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

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

// ErrBusy means every hashing slot stayed taken until ctx ended: the
// caller should answer "busy, try again" rather than wait longer.
var ErrBusy = errors.New("password: too many password checks at once")

// slots bounds the argon2id computations running at once, in the whole
// process: each takes 64 MiB and two threads, so an unbounded number of
// concurrent logins would exhaust memory. One slot per CPU, at most two:
// with the garbage collector's headroom, 200 concurrent logins kept the
// server at 311 MB peak RSS with two slots and 633 MB with four.
var slots = make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), 2)))

// inFlight counts hashes holding a slot; inSlot, when set by a test, runs
// while a slot is held.
var (
	inFlight atomic.Int64
	inSlot   func()
)

// Slots returns how many hashes may run at once.
func Slots() int { return cap(slots) }

// InFlight returns how many hashes are running now.
func InFlight() int { return int(inFlight.Load()) }

// Acquire takes a hashing slot, waiting until ctx ends (then ErrBusy);
// the caller bounds the wait with a deadline on ctx. release gives the
// slot back. Hash and Check take their own; tests use it to fill the slots.
func Acquire(ctx context.Context) (release func(), err error) {
	select {
	case slots <- struct{}{}:
	default:
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ErrBusy
		}
	}
	inFlight.Add(1)
	if inSlot != nil {
		inSlot()
	}
	return func() {
		inFlight.Add(-1)
		<-slots
	}, nil
}

// DummyHash is a well-formed hash with the parameters of new hashes that
// no password matches: it is checked when no account matches, so that a
// wrong email costs what a wrong password costs.
var DummyHash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, timeCost, threads,
	"b3Jnc3NvIGVxdWFsaXNlcg", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

// Hash returns an encoded argon2id hash of pw. It waits for a hashing slot
// until ctx ends, and then returns ErrBusy.
func Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	release, err := Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	sum := argon2.IDKey([]byte(pw), salt, timeCost, memory, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, timeCost, threads,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// Check compares pw with an encoded hash in constant time. It waits for a
// hashing slot until ctx ends, and then returns ErrBusy.
func Check(ctx context.Context, encoded, pw string) error {
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
	release, err := Acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
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
