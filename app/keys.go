package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// openSealer loads the secret keys (ORGSSO_SECRET_KEY, or the key file in
// the data dir) into a Sealer.
func openSealer(cfg Config) (*secrets.Sealer, secrets.Keys, error) {
	keys, err := secrets.LoadKeys(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, keys, fmt.Errorf("secret key: %w", err)
	}
	sealer, err := secrets.NewKeyring(keys.Keys)
	if err != nil {
		return nil, keys, fmt.Errorf("%s: %w", secrets.KeyEnv, err)
	}
	return sealer, keys, nil
}

// checkKeys opens the newest sealed value of each kind in the database: if
// one does not open, the keys are wrong or one is missing, and orgsso
// stops here with what to fix, rather than failing later on a login or a
// logout. A key file generated just now for a database that already holds
// sealed values is removed again, so that the next start does not find a
// wrong key.
func checkKeys(ctx context.Context, store *models.Store, sealer *secrets.Sealer, keys secrets.Keys, cfg Config) error {
	values, err := store.NewestSealed(ctx)
	if err != nil {
		return fmt.Errorf("check secret keys: %w", err)
	}
	for _, v := range values {
		binding, err := signin.SealedBinding(v)
		if err != nil {
			return fmt.Errorf("check secret keys: %w", err)
		}
		if _, err := sealer.Open(v.Value, binding); err == nil {
			continue
		}
		sealedUnder := "before key ids were recorded"
		if id := secrets.SealedKeyID(v.Value); id != "" {
			sealedUnder = "under the key with id " + id
		}
		what := fmt.Sprintf("the newest %s in the database (sealed %s)", v.Kind, sealedUnder)
		configured := "configured keys (ids " + strings.Join(sealer.KeyIDs(), ", ") + ")"
		switch {
		case keys.Generated != "":
			rmErr := os.Remove(keys.Generated)
			return errors.Join(fmt.Errorf("%s is not set and there was no key file, but the database holds sealed values: "+
				"set %s to the key %s was sealed with (the generated %s was removed again)",
				secrets.KeyEnv, secrets.KeyEnv, what, keys.Generated), rmErr)
		case cfg.SecretKey == "":
			return fmt.Errorf("%s is not set, and the key file in ORGSSO_DATA_DIR (%s) does not open %s: "+
				"set %s to the key it was sealed with (several keys: comma-separated, newest first)",
				secrets.KeyEnv, cfg.DataDir, what, secrets.KeyEnv)
		}
		return fmt.Errorf("%s: none of the %s opens %s: set %s to the key it was sealed with; "+
			"while rotating, list both, comma-separated, newest first (NEW,OLD), and run orgsso secrets rotate before dropping the old one",
			secrets.KeyEnv, configured, what, secrets.KeyEnv)
	}
	return nil
}

// RotateSecrets seals every sealed value in the database again under the
// newest key, in one transaction, and returns what it did per kind. A
// value that no configured key opens stops it with nothing changed.
func (a *App) RotateSecrets(ctx context.Context) ([]models.ResealCount, error) {
	counts, err := a.Store.Reseal(ctx, func(v models.SealedValue) (string, bool, error) {
		binding, err := signin.SealedBinding(v)
		if err != nil {
			return "", false, err
		}
		return a.Sealer.Reseal(v.Value, binding)
	})
	if err != nil {
		return nil, fmt.Errorf("rotate: nothing changed: %w", err)
	}
	return counts, nil
}
