package main

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

func newKey(t *testing.T) (raw []byte, text string) {
	t.Helper()
	raw = make([]byte, secrets.KeySize)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	return raw, base64.StdEncoding.EncodeToString(raw)
}

// openWith opens the app on vars (data dir, database, key) as a command would.
func openWith(t *testing.T, vars map[string]string) (*app.App, error) {
	t.Helper()
	cfg, err := app.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	return app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
}

func mustOpenWith(t *testing.T, vars map[string]string) *app.App {
	t.Helper()
	a, err := openWith(t, vars)
	if err != nil {
		t.Fatalf("open with %s: %v", vars["ORGSSO_SECRET_KEY"], err)
	}
	return a
}

// rotateCLI runs "orgsso secrets rotate" with vars as its environment.
func rotateCLI(t *testing.T, vars map[string]string) (string, error) {
	t.Helper()
	for _, k := range []string{"ORGSSO_DATA_DIR", "ORGSSO_DATABASE_URL", "ORGSSO_SECRET_KEY"} {
		t.Setenv(k, vars[k])
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"secrets", "rotate"}, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

// legacySeal seals as orgsso did before key ids ("v1:").
func legacySeal(t *testing.T, key []byte, plaintext, binding string) string {
	t.Helper()
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return "v1:" + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plaintext), []byte(binding)))
}

// sealedRows is every sealed value in the database by where it is.
func sealedRows(t *testing.T, a *app.App) map[string]string {
	t.Helper()
	out := map[string]string{}
	var rows []struct{ K, V string }
	q := `SELECT 'conn:' || public_id AS k, sealed_secret AS v FROM connections
UNION ALL SELECT 'session:' || id_hash, logout_hint FROM sessions WHERE logout_hint <> ''
UNION ALL SELECT 'state:' || state_hash, pending FROM login_states`
	if err := a.DB.Write.Raw(q).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		out[r.K] = r.V
	}
	return out
}

// TestSecretsRotate: with ORGSSO_SECRET_KEY=NEW,OLD, "orgsso secrets
// rotate" seals every sealed value (connection secrets, old-format ones
// included, sessions' logout hints, logins in flight) again under NEW in
// one transaction and says how many; afterwards NEW alone opens
// everything, the connections' tests still hold, and a second run finds
// nothing to do. A value no key opens stops it with nothing changed. It
// runs on SQLite and, when ORGSSO_TEST_POSTGRES_URL names a server, on
// PostgreSQL.
func TestSecretsRotate(t *testing.T) {
	for _, d := range testdb.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			oldRaw, oldKey := newKey(t)
			newRaw, newKeyText := newKey(t)
			strayRaw, _ := newKey(t)
			vars := map[string]string{"ORGSSO_DATA_DIR": t.TempDir(), "ORGSSO_DATABASE_URL": d.New(t), "ORGSSO_SECRET_KEY": oldKey}

			a := mustOpenWith(t, vars)
			org, err := a.Store.CreateOrganization(ctx, "acme", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			conns := map[string]models.Connection{}
			for name, seal := range map[string]func(c *models.Connection){
				"current": func(c *models.Connection) { c.SealedSecret = a.Sealer.Seal("secret-current", signin.SecretBinding(*c)) },
				"legacy": func(c *models.Connection) {
					c.SealedSecret = legacySeal(t, oldRaw, "secret-legacy", signin.SecretBinding(*c))
				},
			} {
				c, err := a.Store.CreateConnectionWith(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
					DisplayName: name, Config: "{}", Provisioning: "{}"}, func(c *models.Connection) {
					seal(c)
					c.ConfigHash = c.Fingerprint()
				})
				if err != nil {
					t.Fatal(err)
				}
				conns["secret-"+name] = c
			}
			user, err := a.Store.CreateUser(ctx, models.User{Email: "p@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			hintBinding, _ := signin.SealedBinding(models.SealedValue{Kind: models.SealedLogoutHint})
			now := time.Now().UTC()
			if err := a.Store.CreateSession(ctx, models.Session{IDHash: "s1", UserID: user.ID, CreatedAt: now, LastSeenAt: now,
				ExpiresAt: now.Add(time.Hour), LogoutHint: a.Sealer.Seal(`{"o":1}`, hintBinding)}); err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{models.StateConsent} {
				binding, _ := signin.SealedBinding(models.SealedValue{Kind: models.SealedLoginState, StateKind: kind, Ref: "h-" + kind})
				if err := a.Store.SaveLoginState(ctx, models.LoginState{StateHash: "h-" + kind, Kind: kind, OrgID: org.ID,
					ConnectionID: conns["secret-current"].ID, ConfigVersion: 1, Pending: a.Sealer.Seal("pending-"+kind, binding),
					ClientKey: "k", ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
					t.Fatal(err)
				}
			}
			// An older connection whose secret no configured key opens.
			stray, _ := secrets.New(strayRaw)
			bad, err := a.Store.CreateConnectionWith(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
				DisplayName: "stray", Config: "{}", Provisioning: "{}"}, func(c *models.Connection) {
				c.SealedSecret = stray.Seal("x", signin.SecretBinding(*c))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.DB.Write.Exec("UPDATE connections SET updated_at = ? WHERE id = ?", now.Add(-time.Hour), bad.ID).Error; err != nil {
				t.Fatal(err)
			}
			before := sealedRows(t, a)
			a.Close()

			// The new key alone does not open what the old one sealed: a
			// clear start-up error naming the variable.
			if _, err := openWith(t, map[string]string{"ORGSSO_DATA_DIR": vars["ORGSSO_DATA_DIR"],
				"ORGSSO_DATABASE_URL": vars["ORGSSO_DATABASE_URL"], "ORGSSO_SECRET_KEY": newKeyText}); err == nil ||
				!strings.Contains(err.Error(), "ORGSSO_SECRET_KEY") || !strings.Contains(err.Error(), "connection secret") {
				t.Fatalf("open with the new key alone before rotating = %v, want a start-up error naming ORGSSO_SECRET_KEY", err)
			}

			vars["ORGSSO_SECRET_KEY"] = newKeyText + "," + oldKey
			out, err := rotateCLI(t, vars)
			if err == nil || !strings.Contains(err.Error(), "nothing changed") || !strings.Contains(err.Error(), bad.PublicID) {
				t.Fatalf("rotate with a value no key opens = %q, %v; want an error naming it", out, err)
			}
			a = mustOpenWith(t, vars)
			if after := sealedRows(t, a); !equalMaps(before, after) {
				t.Fatalf("a failed rotation changed sealed values:\nbefore %v\nafter  %v", before, after)
			}
			if err := a.DB.Write.Exec("DELETE FROM connections WHERE id = ?", bad.ID).Error; err != nil {
				t.Fatal(err)
			}
			a.Close()

			out, err = rotateCLI(t, vars)
			if err != nil {
				t.Fatalf("rotate: %v", err)
			}
			for _, want := range []string{
				`sealed values now under key ` + regexp.QuoteMeta(secrets.KeyID(newRaw)) + ` \(newest of 2 configured\)`,
				`connection secret:\s+2 resealed, 0 already under it`,
				`session logout hint:\s+1 resealed, 0 already under it`,
				`login waiting for consent:\s+1 resealed, 0 already under it`,
			} {
				if !regexp.MustCompile(want).MatchString(out) {
					t.Errorf("rotate output does not match %q:\n%s", want, out)
				}
			}

			// The new key alone now opens everything, and nothing else changed.
			vars["ORGSSO_SECRET_KEY"] = newKeyText
			a = mustOpenWith(t, vars)
			defer a.Close()
			newOnly, _ := secrets.New(newRaw)
			for plain, c := range conns {
				got, err := a.Store.ConnectionByPublicID(ctx, org.ID, c.PublicID)
				if err != nil {
					t.Fatal(err)
				}
				if secrets.SealedKeyID(got.SealedSecret) != secrets.KeyID(newRaw) {
					t.Errorf("%s: sealed under %q after rotation", c.DisplayName, secrets.SealedKeyID(got.SealedSecret))
				}
				if s, err := newOnly.Open(got.SealedSecret, signin.SecretBinding(got)); err != nil || s != plain {
					t.Errorf("%s: secret with the new key = %q, %v; want %q", c.DisplayName, s, err, plain)
				}
				if got.Version != c.Version || got.ConfigHash != c.ConfigHash {
					t.Errorf("%s: version %d hash %s after rotation, want %d %s: its passed tests would be lost",
						c.DisplayName, got.Version, got.ConfigHash, c.Version, c.ConfigHash)
				}
			}
			vals := sealedRows(t, a)
			if s, err := newOnly.Open(vals["session:s1"], hintBinding); err != nil || s != `{"o":1}` {
				t.Errorf("logout hint with the new key = %q, %v", s, err)
			}
			for _, kind := range []string{models.StateConsent} {
				binding, _ := signin.SealedBinding(models.SealedValue{Kind: models.SealedLoginState, StateKind: kind, Ref: "h-" + kind})
				if s, err := newOnly.Open(vals["state:h-"+kind], binding); err != nil || s != "pending-"+kind {
					t.Errorf("%s state with the new key = %q, %v", kind, s, err)
				}
			}

			vars["ORGSSO_SECRET_KEY"] = newKeyText + "," + oldKey
			out, err = rotateCLI(t, vars)
			if err != nil || !regexp.MustCompile(`connection secret:\s+0 resealed, 2 already under it`).MatchString(out) {
				t.Errorf("second rotate = %q, %v; want nothing to do", out, err)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestWrongOrMissingSecretKeyStopsTheStart: a key that opens nothing in
// the database, or no key at all where there are sealed values, is a
// start-up error that names ORGSSO_SECRET_KEY, never a later failure; a
// key file generated for such a database is removed again. An empty
// database starts with any key.
func TestWrongOrMissingSecretKeyStopsTheStart(t *testing.T) {
	ctx := context.Background()
	_, key := newKey(t)
	_, other := newKey(t)
	dir := t.TempDir()
	vars := map[string]string{"ORGSSO_DATA_DIR": dir, "ORGSSO_DATABASE_URL": filepath.Join(dir, "orgsso.db"), "ORGSSO_SECRET_KEY": key}
	a := mustOpenWith(t, vars)
	org, _ := a.Store.CreateOrganization(ctx, "acme", "Acme")
	if _, err := a.Store.CreateConnectionWith(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
		DisplayName: "okta", Config: "{}", Provisioning: "{}"}, func(c *models.Connection) {
		c.SealedSecret = a.Sealer.Seal("s3cret", signin.SecretBinding(*c))
	}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	vars["ORGSSO_SECRET_KEY"] = other
	_, err := openWith(t, vars)
	if err == nil || !strings.Contains(err.Error(), "ORGSSO_SECRET_KEY: none of the configured keys") ||
		!strings.Contains(err.Error(), "newest connection secret") {
		t.Errorf("wrong key: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the secret: %v", err)
	}

	vars["ORGSSO_SECRET_KEY"] = ""
	_, err = openWith(t, vars)
	if err == nil || !strings.Contains(err.Error(), "ORGSSO_SECRET_KEY is not set") {
		t.Errorf("no key: %v", err)
	}
	if _, serr := os.Stat(filepath.Join(dir, "secret.key")); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("the key file generated for a database with sealed values was kept: %v", serr)
	}

	vars["ORGSSO_SECRET_KEY"] = other + "," + key
	if a, err := openWith(t, vars); err != nil {
		t.Errorf("the right key second in the list: %v", err)
	} else {
		a.Close()
	}

	empty := t.TempDir()
	if a, err := openWith(t, map[string]string{"ORGSSO_DATA_DIR": empty, "ORGSSO_DATABASE_URL": filepath.Join(empty, "orgsso.db")}); err != nil {
		t.Errorf("an empty database with a generated key: %v", err)
	} else {
		a.Close()
	}
}
