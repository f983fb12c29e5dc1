package signin

import (
	"context"
	"errors"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/models"
)

// Refresh reads again what conn keeps of its IdP (connector.Protocol.Refresh:
// SAML metadata from its URL) and stores it, keeping conn's version and its
// test: following an IdP's key rotation is not a change of settings. It
// returns the connection as stored and, in words, what changed ("" for
// nothing that matters); refreshed is false when the protocol or
// connection has nothing to refresh. A connection saved meanwhile is left
// to its new settings (models.ErrConflict).
func (s *Service) Refresh(ctx context.Context, org models.Organization, conn models.Connection) (saved models.Connection, change string, refreshed bool, err error) {
	p, ok := s.protocols.Get(conn.Protocol)
	if !ok || p.Refresh == nil {
		return conn, "", false, nil
	}
	config, change, err := p.Refresh(ctx, []byte(conn.Config), s.Env(org, conn))
	if err != nil || config == nil {
		return conn, "", false, err
	}
	if saved, err = s.store.RefreshConnectionConfig(ctx, conn, string(config)); err != nil {
		return conn, "", false, err
	}
	s.Forget(saved)
	return saved, change, true, nil
}

// RefreshAudit is the audit action and details of a refresh of conn that
// ended as Refresh said (change, refreshed, err): a change, or a failure,
// for the org's admins to see; "" when there is nothing to record (nothing
// changed, or the connection was saved meanwhile).
func RefreshAudit(conn models.Connection, change string, refreshed bool, err error) (action, details string) {
	switch {
	case errors.Is(err, models.ErrConflict):
	case err != nil:
		return "connection.refresh_failed", "id=" + conn.PublicID + ": " + connector.Reason(err)
	case refreshed && change != "":
		return "connection.refresh", "id=" + conn.PublicID + ": " + change
	}
	return "", ""
}
