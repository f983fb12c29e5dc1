package models

import (
	"context"
	"strings"
	"time"
)

// AuditFilter narrows an audit log listing. Empty fields do not filter.
type AuditFilter struct {
	// OrgID limits to one org; nil lists every org's events and the
	// platform's (platform admins only).
	OrgID *int64
	// Actor matches the actor's email (or token name), case-insensitively,
	// as a substring.
	Actor string
	// Action matches the action exactly, or every action under a prefix
	// ending in "." ("connection." for all connection events).
	Action string
	// Target matches the target as a case-insensitive substring.
	Target string
	// From and To bound the time: From <= created_at < To.
	From, To time.Time
	// Before lists only events older than this event id (a cursor).
	Before int64
	// Limit is how many events to return (at most MaxAuditPage).
	Limit int
}

// MaxAuditPage is the most events one listing returns.
const MaxAuditPage = 500

// AuditPage is one page of an audit listing, newest first.
type AuditPage struct {
	Events []AuditEvent
	// Next is the cursor of the following page (0 when there is none).
	Next int64
}

// QueryAudit lists audit events matching f, newest first, a page at a
// time; pass the page's Next as the next filter's Before.
func (s *Store) QueryAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxAuditPage {
		limit = MaxAuditPage
	}
	q := s.r(ctx).Model(&AuditEvent{})
	if f.OrgID != nil {
		q = q.Where("org_id = ?", *f.OrgID)
	}
	if v := strings.ToLower(strings.TrimSpace(f.Actor)); v != "" {
		q = q.Where("LOWER(actor_email) LIKE ? ESCAPE '\\'", "%"+likeEscape(v)+"%")
	}
	if v := strings.TrimSpace(f.Action); v != "" {
		if strings.HasSuffix(v, ".") {
			q = q.Where("action LIKE ? ESCAPE '\\'", likeEscape(v)+"%")
		} else {
			q = q.Where("action = ?", v)
		}
	}
	if v := strings.ToLower(strings.TrimSpace(f.Target)); v != "" {
		q = q.Where("LOWER(target) LIKE ? ESCAPE '\\'", "%"+likeEscape(v)+"%")
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var out AuditPage
	if err := q.Order("id DESC").Limit(limit + 1).Find(&out.Events).Error; err != nil {
		return out, err
	}
	if len(out.Events) > limit {
		out.Events = out.Events[:limit]
		out.Next = out.Events[limit-1].ID
	}
	return out, nil
}
