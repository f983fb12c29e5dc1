package signin

import (
	"fmt"

	"github.com/orgsso/orgsso/models"
)

// SealedBinding returns what a sealed value at rest was bound to when it
// was sealed (the additional data of app/secrets), so that key rotation can
// open and seal it again, and the start-up check can open it.
func SealedBinding(v models.SealedValue) (string, error) {
	switch v.Kind {
	case models.SealedConnectionSecret:
		return SecretBinding(models.Connection{PublicID: v.Ref}), nil
	case models.SealedLogoutHint:
		return logoutBinding, nil
	case models.SealedLoginState:
		switch v.StateKind {
		case models.StateConsent:
			return "consent:" + v.Ref, nil
		}
		return "", fmt.Errorf("login state of unknown kind %q", v.StateKind)
	}
	return "", fmt.Errorf("unknown sealed value %q", v.Kind)
}
