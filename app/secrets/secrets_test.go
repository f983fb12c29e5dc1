package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenRoundTripAndBinding(t *testing.T) {
	key := make([]byte, KeySize)
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("client-secret-123", "connection:7")
	if strings.Contains(sealed, "client-secret-123") {
		t.Fatal("sealed value contains the plaintext")
	}
	if got, err := s.Open(sealed, "connection:7"); err != nil || got != "client-secret-123" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(sealed, "connection:8"); err != ErrOpen {
		t.Fatalf("Open with another binding = %v, want ErrOpen", err)
	}
	other, _ := New(append([]byte{1}, key[1:]...))
	if _, err := other.Open(sealed, "connection:7"); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another key = %v, want ErrOpen", err)
	}
	if a, b := s.Seal("x", "b"), s.Seal("x", "b"); a == b {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
}

func TestLoadKeyGeneratesOnceWithPrivateMode(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadKeys("", dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadKeys("", dir)
	if err != nil || string(k1.Keys[0]) != string(k2.Keys[0]) {
		t.Fatalf("second load differs: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", fi.Mode(), err)
	}
	if _, err := LoadKeys("too-short", dir); err == nil {
		t.Fatal("short key accepted")
	}
}

func key(b byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

// legacySeal seals as Seal did before key ids ("v1:" + base64), to prove
// that such values still open.
func legacySeal(t *testing.T, k []byte, plaintext, binding string) string {
	t.Helper()
	block, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		t.Fatal(err)
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plaintext), []byte(binding)))
}

func TestKeyringSealsUnderNewestAndOpensWithTheNamedKey(t *testing.T) {
	oldKey, newKey := key(1), key(100)
	old, _ := New(oldKey)
	ring, err := NewKeyring([][]byte{newKey, oldKey})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ring.KeyIDs(), []string{KeyID(newKey), KeyID(oldKey)}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("KeyIDs = %v, want %v", got, want)
	}
	sealedOld := old.Seal("s3cret", "connection:c_1")
	if id := SealedKeyID(sealedOld); id != KeyID(oldKey) {
		t.Fatalf("sealed value names key %q, want the old key's id %q", id, KeyID(oldKey))
	}
	if got, err := ring.Open(sealedOld, "connection:c_1"); err != nil || got != "s3cret" {
		t.Fatalf("keyring opens the old key's value = %q, %v", got, err)
	}
	sealedNew := ring.Seal("s3cret", "connection:c_1")
	if id := SealedKeyID(sealedNew); id != KeyID(newKey) {
		t.Fatalf("keyring sealed under %q, want the newest key %q", id, KeyID(newKey))
	}
	if _, err := old.Open(sealedNew, "connection:c_1"); !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrOpen) {
		t.Fatalf("the old key alone opens a value of the new key: %v, want ErrUnknownKey (an ErrOpen)", err)
	}
	// A value whose key id is swapped for another configured key's does
	// not open: the id picks the key, the key must fit.
	swapped := "v2:" + KeyID(oldKey) + sealedNew[len("v2:")+len(KeyID(newKey)):]
	if _, err := ring.Open(swapped, "connection:c_1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("a value with another key's id opened: %v", err)
	}
	for _, bad := range []string{"", "v2:", "v2:" + KeyID(newKey), "v2:" + KeyID(newKey) + ":!!", "v3:x:y", "s3cret"} {
		if _, err := ring.Open(bad, "connection:c_1"); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%q) = %v, want ErrOpen", bad, err)
		}
	}
	if _, err := NewKeyring([][]byte{newKey, oldKey, newKey}); err == nil {
		t.Error("the same key twice was accepted")
	}
	if _, err := NewKeyring(nil); err == nil {
		t.Error("no key was accepted")
	}
}

func TestValuesSealedBeforeKeyIDsOpenWithAnyConfiguredKey(t *testing.T) {
	oldKey, newKey, otherKey := key(1), key(100), key(200)
	legacy := legacySeal(t, oldKey, "s3cret", "session-logout")
	for _, keys := range [][][]byte{{oldKey}, {newKey, oldKey}, {newKey, otherKey, oldKey}} {
		ring, err := NewKeyring(keys)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ring.Open(legacy, "session-logout"); err != nil || got != "s3cret" {
			t.Errorf("%d keys: legacy value = %q, %v", len(keys), got, err)
		}
		if _, err := ring.Open(legacy, "other-binding"); !errors.Is(err, ErrOpen) {
			t.Errorf("%d keys: legacy value opened with another binding", len(keys))
		}
	}
	ring, _ := NewKeyring([][]byte{newKey, otherKey})
	if _, err := ring.Open(legacy, "session-logout"); !errors.Is(err, ErrOpen) {
		t.Errorf("legacy value opened without its key: %v", err)
	}
}

func TestResealMovesValuesToTheNewestKey(t *testing.T) {
	oldKey, newKey := key(1), key(100)
	old, _ := New(oldKey)
	ring, _ := NewKeyring([][]byte{newKey, oldKey})
	newOnly, _ := New(newKey)
	for name, sealed := range map[string]string{
		"old key":       old.Seal("s3cret", "b"),
		"before key id": legacySeal(t, oldKey, "s3cret", "b"),
		"legacy newest": legacySeal(t, newKey, "s3cret", "b"),
	} {
		got, changed, err := ring.Reseal(sealed, "b")
		if err != nil || !changed {
			t.Fatalf("%s: Reseal = %v, changed %v", name, err, changed)
		}
		if plain, err := newOnly.Open(got, "b"); err != nil || plain != "s3cret" {
			t.Errorf("%s: resealed value with the new key alone = %q, %v", name, plain, err)
		}
	}
	current := ring.Seal("s3cret", "b")
	if got, changed, err := ring.Reseal(current, "b"); err != nil || changed || got != current {
		t.Errorf("a value under the newest key was resealed: changed %v, %v", changed, err)
	}
	if _, _, err := ring.Reseal(current, "other"); !errors.Is(err, ErrOpen) {
		t.Errorf("Reseal with the wrong binding = %v, want ErrOpen", err)
	}
}

func TestLoadKeysReadsANewestFirstList(t *testing.T) {
	k1, k2, k3 := key(1), key(50), key(100)
	b64 := base64.StdEncoding.EncodeToString
	list := b64(k1) + ", " + base64.RawURLEncoding.EncodeToString(k2) + ",\n" + b64(k3) + "\n"
	got, err := LoadKeys(list, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Keys) != 3 || string(got.Keys[0]) != string(k1) || string(got.Keys[2]) != string(k3) || got.Generated != "" {
		t.Fatalf("LoadKeys = %d keys, generated %q", len(got.Keys), got.Generated)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"bad second key", b64(k1) + "," + b64(k2[:16]), "ORGSSO_SECRET_KEY: key 2 must be 32 bytes in base64"},
		{"duplicate", b64(k1) + "," + b64(k2) + "," + b64(k1), "keys 1 and 3 are the same key"},
		{"only commas", " , ,", "holds no key"},
	} {
		_, err := LoadKeys(tc.text, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), b64(k1)) {
			t.Errorf("%s: the error shows a key: %v", tc.name, err)
		}
	}
	// The key file may hold a list too, one key a line.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte(b64(k3)+"\n"+b64(k1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadKeys("", dir); err != nil || len(got.Keys) != 2 || string(got.Keys[0]) != string(k3) {
		t.Fatalf("key file list: %v", err)
	}
	fresh := t.TempDir()
	if got, err := LoadKeys("", fresh); err != nil || got.Generated != filepath.Join(fresh, "secret.key") {
		t.Fatalf("first run: generated %q, %v", got.Generated, err)
	}
	if got, err := LoadKeys("", fresh); err != nil || got.Generated != "" {
		t.Fatalf("second run: generated %q again, %v", got.Generated, err)
	}
}
