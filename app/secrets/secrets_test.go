package secrets

import (
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
	if _, err := other.Open(sealed, "connection:7"); err != ErrOpen {
		t.Fatalf("Open with another key = %v, want ErrOpen", err)
	}
	if a, b := s.Seal("x", "b"), s.Seal("x", "b"); a == b {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
}

func TestLoadKeyGeneratesOnceWithPrivateMode(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadKey("", dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadKey("", dir)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("second load differs: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", fi.Mode(), err)
	}
	if _, err := LoadKey("too-short", dir); err == nil {
		t.Fatal("short key accepted")
	}
}
