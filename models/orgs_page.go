package models

import (
	"context"
	"errors"
	"strings"
)

// OrgsPerPage is how many organizations a page of /admin/orgs lists.
const OrgsPerPage = 50

// OrgsPage is one page of the platform's organizations, by name.
type OrgsPage struct {
	Orgs []Organization
	// Next is the id of the last org listed when more follow (the cursor
	// of the next page), else 0.
	Next int64
}

// OrganizationsPage lists the organizations by name and id, OrgsPerPage at
// a time, after the org whose id is after (0: from the start), optionally
// only those whose name or slug contains query (case-insensitive). The
// pages are keyset pages over the organizations_name_id index: any page
// costs the same, however deep. A cursor whose org is gone starts over.
func (s *Store) OrganizationsPage(ctx context.Context, query string, after int64) (OrgsPage, error) {
	q := s.r(ctx).Model(&Organization{})
	if after > 0 {
		var cur Organization
		err := s.r(ctx).Select("id", "name").Where("id = ?", after).Take(&cur).Error
		switch {
		case err == nil:
			q = q.Where("(name, id) > (?, ?)", cur.Name, cur.ID)
		case !errors.Is(translate(err), ErrNotFound):
			return OrgsPage{}, err
		}
	}
	if query = strings.ToLower(strings.TrimSpace(query)); query != "" {
		like := "%" + likeEscape(query) + "%"
		q = q.Where(`(LOWER(name) LIKE ? ESCAPE '\' OR slug LIKE ? ESCAPE '\')`, like, like)
	}
	var out OrgsPage
	if err := q.Order("name, id").Limit(OrgsPerPage + 1).Find(&out.Orgs).Error; err != nil {
		return out, err
	}
	if len(out.Orgs) > OrgsPerPage {
		out.Orgs = out.Orgs[:OrgsPerPage]
		out.Next = out.Orgs[OrgsPerPage-1].ID
	}
	return out, nil
}
