package ascode

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgsso/orgsso/models"
)

// VersionSnapshot is what a saved version says, for Compare.
func VersionSnapshot(v models.ConnectionVersion) Snapshot {
	return Snapshot{Name: v.DisplayName, Preset: v.Preset, LogoURL: v.LogoURL, Config: v.Config, Provisioning: v.Provisioning}
}

// CompareVersions lists the fields that differ from version a to b.
func CompareVersions(a, b models.ConnectionVersion) []Change {
	return Compare(VersionSnapshot(a), VersionSnapshot(b))
}

// ExportVersion writes one saved version of a connection as a one-item
// document (no secret; no test: the test belongs to the current version;
// no addresses: they are the connection's, shown by Export).
func ExportVersion(c models.Connection, v models.ConnectionVersion) ([]byte, error) {
	it, err := exportOne(asConnection(c, v), nil, models.Organization{}, nil)
	if err != nil {
		return nil, err
	}
	return marshal([]exportItem{it})
}

// ExportVersionItem is ExportVersion's item, for JSON.
func ExportVersionItem(c models.Connection, v models.ConnectionVersion) (any, error) {
	return exportOne(asConnection(c, v), nil, models.Organization{}, nil)
}

// asConnection is c with v's settings.
func asConnection(c models.Connection, v models.ConnectionVersion) models.Connection {
	c.Version, c.Protocol, c.Preset, c.DisplayName, c.LogoURL = v.Version, v.Protocol, v.Preset, v.DisplayName, v.LogoURL
	c.Config, c.Provisioning = v.Config, v.Provisioning
	return c
}

// Restore outcomes that are not errors of the store.
var (
	// ErrNothingToRestore means the version's settings are the current ones.
	ErrNothingToRestore = errors.New("the version's settings are the current ones")
	// ErrStale means the connection changed since the restore was asked
	// for (its version is no longer the one given).
	ErrStale = errors.New("the connection changed meanwhile")
)

// Restore makes version number of the connection its current settings
// again, as a new version (which needs a new passed test, like any edit);
// the secret stays the current one. current is the version the person
// started from: a connection changed since is ErrStale. A name another
// connection took since is models.ErrConflict.
func Restore(ctx context.Context, store Store, org models.Organization, conn models.Connection, number, current int64, by string) (models.Connection, []Change, error) {
	if conn.Version != current {
		return conn, nil, ErrStale
	}
	v, err := store.ConnectionVersionAt(ctx, org.ID, conn.ID, number)
	if err != nil {
		return conn, nil, err
	}
	want := asConnection(conn, v)
	want.Version = conn.Version
	if proto, ok := protocolFor(want.Protocol); ok && want.Protocol == conn.Protocol {
		want.Config = proto.restored(want.Config, conn.Config)
	}
	changes := changesBetween(conn, want)
	if len(changes) == 0 {
		return conn, nil, ErrNothingToRestore
	}
	want.ConfigHash = want.Fingerprint()
	want.UpdatedBy = by
	saved, err := store.UpdateConnectionNoted(ctx, org.ID, want, fmt.Sprintf("restored from version %d", number))
	if errors.Is(err, models.ErrConflict) {
		now, lerr := store.ConnectionByID(ctx, org.ID, conn.ID)
		if lerr == nil && now.Version != current {
			return conn, nil, ErrStale
		}
	}
	return saved, changes, err
}
