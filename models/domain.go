package models

import (
	"context"
	"strings"
	"time"
)

// VerifiedDomain is an email domain an org claims; once its DNS challenge
// is proven (VerifiedAt set), the org's IdPs speak for addresses in it and
// /login sends those addresses to the org. One org at a time holds a
// verified domain.
type VerifiedDomain struct {
	ID         int64      `gorm:"primaryKey"`
	OrgID      int64      `gorm:"column:org_id"`
	Domain     string     `gorm:"column:domain"`
	Challenge  string     `gorm:"column:challenge"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	VerifiedAt *time.Time `gorm:"column:verified_at"`
}

// Verified reports whether the domain's challenge was proven.
func (d VerifiedDomain) Verified() bool { return d.VerifiedAt != nil }

// AddDomain records a domain the org wants to verify, with its DNS
// challenge; ErrConflict when the org has it already.
func (s *Store) AddDomain(ctx context.Context, orgID int64, domain, challenge string) (VerifiedDomain, error) {
	d := VerifiedDomain{OrgID: orgID, Domain: strings.ToLower(domain), Challenge: challenge, CreatedAt: s.now()}
	err := s.w(ctx).Create(&d).Error
	return d, translate(err)
}

// Domains lists the org's domains, by name.
func (s *Store) Domains(ctx context.Context, orgID int64) ([]VerifiedDomain, error) {
	var out []VerifiedDomain
	err := s.r(ctx).Where("org_id = ?", orgID).Order("domain").Find(&out).Error
	return out, err
}

// Domain loads one of the org's domains.
func (s *Store) Domain(ctx context.Context, orgID, id int64) (VerifiedDomain, error) {
	var d VerifiedDomain
	err := s.r(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&d).Error
	return d, translate(err)
}

// MarkDomainVerified records that the org proved the domain; ErrConflict
// when another org holds it verified.
func (s *Store) MarkDomainVerified(ctx context.Context, orgID, id int64) error {
	return rowsOrNotFound(s.w(ctx).Model(&VerifiedDomain{}).Where("org_id = ? AND id = ?", orgID, id).
		Update("verified_at", s.now()))
}

// RemoveDomain forgets one of the org's domains.
func (s *Store) RemoveDomain(ctx context.Context, orgID, id int64) error {
	return rowsOrNotFound(s.w(ctx).Where("org_id = ? AND id = ?", orgID, id).Delete(&VerifiedDomain{}))
}

// DomainHolder finds the org that has verified the domain.
func (s *Store) DomainHolder(ctx context.Context, domain string) (Organization, error) {
	var o Organization
	err := s.r(ctx).Joins("JOIN verified_domains d ON d.org_id = organizations.id").
		Where("d.domain = ? AND d.verified_at IS NOT NULL", strings.ToLower(domain)).Take(&o).Error
	return o, translate(err)
}

// HasVerifiedDomain reports whether the org has verified the domain.
func (s *Store) HasVerifiedDomain(ctx context.Context, orgID int64, domain string) (bool, error) {
	var n int64
	err := s.r(ctx).Model(&VerifiedDomain{}).
		Where("org_id = ? AND domain = ? AND verified_at IS NOT NULL", orgID, strings.ToLower(domain)).Count(&n).Error
	return n > 0, err
}

// OtherMemberships counts the user's memberships outside the org.
func (s *Store) OtherMemberships(ctx context.Context, userID, orgID int64) (int64, error) {
	var n int64
	err := s.r(ctx).Model(&Membership{}).Where("user_id = ? AND org_id <> ?", userID, orgID).Count(&n).Error
	return n, err
}
