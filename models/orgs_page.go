package models

import (
	"context"
	"errors"
	"strings"
)

// OrgsPerPage is how many organizations a page of /admin/orgs lists.
const OrgsPerPage = 50

// OrgsPage is one page of the platform's organizations.
type OrgsPage struct {
	Orgs []Organization
	// Next is the id of the last org listed when more follow (the cursor
	// of the next page), else 0.
	Next int64
}

// OrganizationsPage lists the organizations by name (case-insensitive) and
// id, OrgsPerPage at a time, after the org whose id is after (0: from the
// start). With a query, it lists the orgs whose name starts with it (any
// case) and, first, the org whose slug it is. Pages are keyset ranges of
// the organizations_lower_name_id index: any page, and any search, costs
// the same however many orgs there are (a substring search could not use
// an index). A cursor whose org is gone starts over.
func (s *Store) OrganizationsPage(ctx context.Context, query string, after int64) (OrgsPage, error) {
	// The index's expression: byte order on PostgreSQL too, whatever the
	// database's collation, so that ranges of prefixes are ranges of it.
	key := "LOWER(name)"
	if s.db.Dialect == DialectPostgres {
		key = `LOWER(name) COLLATE "C"`
	}
	var out OrgsPage
	q := s.r(ctx).Model(&Organization{})
	if after > 0 {
		var cur struct {
			Key string
			ID  int64
		}
		err := s.r(ctx).Model(&Organization{}).Select(key+" AS key, id").Where("id = ?", after).Take(&cur).Error
		switch {
		case err == nil:
			// (key, id) > cursor, written so that the key's range is
			// the index's range on both databases.
			q = q.Where(key+" >= ? AND ("+key+" > ? OR id > ?)", cur.Key, cur.Key, cur.ID)
		case !errors.Is(translate(err), ErrNotFound):
			return out, err
		}
	}
	if query = strings.ToLower(strings.TrimSpace(query)); query != "" {
		// The org whose slug this is comes first, on the first page only.
		var bySlug []Organization
		if err := s.r(ctx).Where("slug = ?", query).Limit(1).Find(&bySlug).Error; err != nil {
			return out, err
		}
		if len(bySlug) == 1 {
			q = q.Where("id <> ?", bySlug[0].ID)
			if after == 0 {
				out.Orgs = bySlug
			}
		}
		// Every string that starts with query sorts from query up to query
		// followed by the highest code point.
		q = q.Where(key+" >= ? AND "+key+" < ?", query, query+"\U0010FFFF")
	}
	var rows []Organization
	if err := q.Order(key + ", id").Limit(OrgsPerPage + 1 - len(out.Orgs)).Find(&rows).Error; err != nil {
		return out, err
	}
	out.Orgs = append(out.Orgs, rows...)
	if len(out.Orgs) > OrgsPerPage {
		out.Orgs = out.Orgs[:OrgsPerPage]
		out.Next = out.Orgs[OrgsPerPage-1].ID
	}
	return out, nil
}
