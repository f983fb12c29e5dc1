package signin

import (
	"context"
	"encoding/json"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/models"
)

// logoutHint is what a session keeps, sealed, for RP-initiated logout.
type logoutHint struct {
	OrgID        int64  `json:"o"`
	ConnectionID int64  `json:"c"`
	IDToken      string `json:"t"`
}

const logoutBinding = "session-logout"

func (s *Service) sealLogoutHint(h logoutHint) string {
	b, _ := json.Marshal(h)
	return s.sealer.Seal(string(b), logoutBinding)
}

// LogoutURL returns where to send the browser after our session ended so
// the IdP ends its session too, or "" when there is nowhere to go.
func (s *Service) LogoutURL(ctx context.Context, sealedHint string) string {
	if sealedHint == "" {
		return ""
	}
	raw, err := s.sealer.Open(sealedHint, logoutBinding)
	if err != nil {
		return ""
	}
	var h logoutHint
	if json.Unmarshal([]byte(raw), &h) != nil {
		return ""
	}
	org, err := s.store.Organization(ctx, h.OrgID)
	if err != nil {
		return ""
	}
	conn, err := s.store.ConnectionByID(ctx, h.OrgID, h.ConnectionID)
	if err != nil {
		return ""
	}
	c, err := s.connectorOf(ctx, org, conn)
	if err != nil {
		s.log.Warn("logout: open connector", "connection", conn.PublicID, "err", err)
		return ""
	}
	lo, ok := c.(connector.Logouter)
	if !ok {
		return ""
	}
	u, ok := lo.LogoutURL(ctx, h.IDToken, s.PostLogoutURL(org))
	if !ok {
		return ""
	}
	return u
}

// Forget drops a connection's opened connector (after an edit or delete).
func (s *Service) Forget(conn models.Connection) {
	s.cache.Forget(cacheKey(conn.OrgID, conn.ID))
}
