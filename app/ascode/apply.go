package ascode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// Outcomes of applying one item.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	Failed    = "failed"
)

// Actor is who applies a document, for the audit log and updated_by.
type Actor struct {
	ID    *int64
	Email string
	IP    string
	// Via says how, in the audit details ("config as code", "API token …").
	Via string
}

// Options are what Apply needs besides the document.
type Options struct {
	// DryRun computes the outcome and the changes and writes nothing; it
	// contacts no IdP (no SAML metadata is fetched) and makes no keys.
	DryRun bool
	// Env looks up the variable clientSecretEnv names; nil refuses the key.
	Env func(string) (string, bool)
	// ReadFile reads the file clientSecretFile names; nil refuses the key.
	ReadFile func(string) ([]byte, error)
	// InlineSecrets allows clientSecret in the document (the API, whose
	// caller has no environment or files here).
	InlineSecrets bool
	// CheckIdP, when set, opens a connection that is to be saved with
	// discovery on (which asks its IdP) and returns what went wrong in words,
	// "" when it opened: the check the form makes on save.
	CheckIdP func(context.Context, models.Connection) string
	// Forget drops a changed connection's opened connector.
	Forget func(models.Connection)
	// Server makes the stored settings of a SAML connection (its form
	// section fetches the metadata and makes the SP's keys); nil refuses
	// to store SAML connections.
	Server Server
	Actor  Actor
	// Log hears of audit rows that could not be written.
	Log *slog.Logger
}

// Result is what applying one item did (or, in a dry run, would do).
type Result struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// ID is the connection's public id ("" for one a dry run would create).
	ID      string   `json:"id,omitempty"`
	Outcome string   `json:"outcome"`
	Version int64    `json:"version,omitempty"`
	Changes []Change `json:"changes,omitempty"`
	// Field and Error say why the item failed.
	Field string `json:"field,omitempty"`
	Error string `json:"error,omitempty"`
	// Stale is set when the item failed on its version.
	Stale bool `json:"-"`
}

// Store is what Apply and Export use of the database.
type Store = *models.Store

// ResolveSecrets reads each item's secret from where it says, as opts
// allow; problems are Errors naming the item and key. Values are never
// part of a message.
func ResolveSecrets(items []Item, opts Options) error {
	var errs Errors
	for i := range items {
		it := &items[i]
		ref := it.SecretRef
		fail := func(format string, args ...any) {
			errs = append(errs, &FieldError{Item: it.Index, Name: it.Name, Field: "config." + ref.Key, Message: fmt.Sprintf(format, args...)})
		}
		switch ref.Key {
		case "":
		case "clientSecretEnv":
			if opts.Env == nil {
				fail("secrets cannot be read from the server's environment here; send clientSecret instead")
				continue
			}
			v, ok := opts.Env(ref.Value)
			if !ok || v == "" {
				fail("the environment variable %s is not set", ref.Value)
				continue
			}
			it.Secret = v
		case "clientSecretFile":
			if opts.ReadFile == nil {
				fail("secrets cannot be read from the server's files here; send clientSecret instead")
				continue
			}
			b, err := opts.ReadFile(ref.Value)
			if err != nil {
				fail("cannot read the file %s: %s", ref.Value, fileProblem(err))
				continue
			}
			it.Secret = strings.TrimRight(string(b), "\r\n")
			if it.Secret == "" {
				fail("the file %s is empty", ref.Value)
			}
		case "clientSecret":
			if !opts.InlineSecrets {
				fail("do not write secrets into the file; use clientSecretEnv or clientSecretFile")
				continue
			}
			it.Secret = ref.Value
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// fileProblem says why a file could not be read without echoing its
// content (the error of os.ReadFile never holds any).
func fileProblem(err error) string {
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return err.Error()
}

// Validate checks every item as the connection form checks its input;
// problems are Errors naming the item and key.
func Validate(items []Item) error {
	var errs Errors
	for i := range items {
		it := &items[i]
		add := func(field, msg string) {
			errs = append(errs, &FieldError{Item: it.Index, Name: it.Name, Field: field, Message: msg})
		}
		preset, msg := presetFor(*it)
		if msg != "" {
			add("preset", msg)
		}
		it.Preset = preset
		for field, msg := range checkBasics(*it) {
			add(field, msg)
		}
		proto, _ := protocolFor(it.Type)
		for field, msg := range proto.validate(it.Config) {
			add(join("config", field), msg)
		}
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return errs
	}
	return nil
}

func sortErrors(es Errors) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && (es[j].Item < es[j-1].Item || es[j].Item == es[j-1].Item && es[j].Field < es[j-1].Field); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// plan is what applying one item does to the stored connection.
type plan struct {
	item         Item
	existing     *models.Connection
	changes      []Change
	secretChange bool
	activate     *bool // switch the connection on or off
}

// Apply creates or updates the org's connections from items (as Parse
// returned them) and reports what it did with each. The document's own
// problems (unreadable secrets, invalid settings, a new connection without
// a secret) are returned as Errors before anything is written. Then each
// item is applied on its own: one whose version is not the stored
// connection's fails and changes nothing; the others are still applied.
func Apply(ctx context.Context, store Store, sealer *secrets.Sealer, org models.Organization, items []Item, opts Options) ([]Result, error) {
	if err := ResolveSecrets(items, opts); err != nil {
		return nil, err
	}
	if err := Validate(items); err != nil {
		return nil, err
	}
	conns, err := store.Connections(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	byKey := map[string]models.Connection{}
	for _, c := range conns {
		byKey[c.NameKey] = c
	}
	plans := make([]plan, len(items))
	var errs Errors
	for i, it := range items {
		pl := plan{item: it}
		if c, ok := byKey[nameKey(it.Name)]; ok {
			pl.existing = &c
		} else if it.Secret == "" && needsSecret(it) {
			errs = append(errs, &FieldError{Item: it.Index, Name: it.Name, Field: "config.clientSecretEnv",
				Message: "a new connection needs its client secret: give clientSecretEnv or clientSecretFile"})
		}
		plans[i] = pl
	}
	if len(errs) > 0 {
		return nil, errs
	}
	results := make([]Result, len(plans))
	for i := range plans {
		results[i] = applyOne(ctx, store, sealer, org, &plans[i], opts)
	}
	return results, nil
}

func applyOne(ctx context.Context, store Store, sealer *secrets.Sealer, org models.Organization, pl *plan, opts Options) Result {
	it := pl.item
	res := Result{Index: it.Index, Name: it.Name}
	fail := func(field, msg string) Result {
		res.Outcome, res.Field, res.Error = Failed, field, msg
		return res
	}
	want := models.Connection{Active: true, OrgID: org.ID}
	if pl.existing != nil {
		want = *pl.existing
		res.ID, res.Version = want.PublicID, want.Version
		if it.Version == 0 {
			res.Stale = true
			return fail("version", fmt.Sprintf("%s exists (version %d); give version: %d to update it, as exported", want.DisplayName, want.Version, want.Version))
		}
		if it.Version != want.Version {
			res.Stale = true
			return fail("version", fmt.Sprintf("written against version %d, but %s is now version %d: someone changed it since. Nothing of this item was applied; export again and redo your change.",
				it.Version, want.DisplayName, want.Version))
		}
	}
	if pl.existing != nil && pl.existing.Protocol != it.Type {
		return fail("type", fmt.Sprintf("%s is a %s connection; its type cannot change. Give it another name to create a %s connection.",
			want.DisplayName, pl.existing.Protocol, it.Type))
	}
	want.Protocol, want.Preset, want.DisplayName, want.LogoURL, want.Config = it.Type, it.Preset, it.Name, it.LogoURL, it.Config
	prov, err := json.Marshal(it.Provisioning)
	if err != nil {
		return fail("provisioning", err.Error())
	}
	want.Provisioning = string(prov)
	proto, _ := protocolFor(it.Type)
	// Compared is what the document says: not what the server made of it.
	var said *models.Connection
	if pl.existing != nil {
		c := asDocument(*pl.existing)
		said = &c
		pl.changes = changesBetween(*said, want)
		if it.Secret != "" {
			stored, err := sealer.Open(pl.existing.SealedSecret, signin.SecretBinding(*pl.existing))
			pl.secretChange = err != nil || stored != it.Secret
		}
		if it.Active != nil && *it.Active != pl.existing.Active {
			pl.activate = it.Active
			pl.changes = append(pl.changes, Change{Field: "active", Old: fmt.Sprint(pl.existing.Active), New: fmt.Sprint(*it.Active)})
		}
	} else {
		if it.Active != nil {
			want.Active = *it.Active
		}
		pl.changes = Compare(Snapshot{}, snapshotOf(want))
		pl.changes = append(pl.changes, Change{Field: "active", New: fmt.Sprint(want.Active)})
		pl.secretChange = proto.secretInDocument()
	}
	if pl.secretChange {
		pl.changes = append(pl.changes, Change{Field: "config." + it.SecretRef.Key, Old: secretShown(pl.existing != nil), New: "(new secret)"})
	}
	res.Changes = pl.changes
	configChanged := pl.secretChange || len(changesBetween(derefOr(said), want)) > 0 || pl.existing == nil
	switch {
	case pl.existing != nil && len(pl.changes) == 0:
		res.Outcome = Unchanged
		return res
	case opts.DryRun:
		res.Outcome = Updated
		if pl.existing == nil {
			res.Outcome = Created
			res.Version = 1
		} else if configChanged {
			res.Version = pl.existing.Version + 1
		}
		return res
	}
	secret := it.Secret
	if configChanged {
		made, err := proto.stored(ctx, storeInput{org: org, item: it, existing: pl.existing, want: want, sealer: sealer, opts: opts})
		if err != nil {
			return fail("config", "not saved: "+err.Error())
		}
		if made.problem != "" {
			return fail(made.field, made.problem)
		}
		want.Config = made.config
		if made.secret != nil {
			secret, pl.secretChange = *made.secret, true
			pl.changes = append(pl.changes, Change{Field: made.secretField, Old: secretShown(pl.existing != nil && pl.existing.SealedSecret != ""), New: "(new key pair)"})
			res.Changes = pl.changes
		}
	}
	if opts.CheckIdP != nil && configChanged {
		var cfg struct {
			Discovery bool `json:"discovery"`
		}
		if json.Unmarshal([]byte(want.Config), &cfg) == nil && cfg.Discovery {
			if msg := opts.CheckIdP(ctx, want); msg != "" {
				return fail("config.issuer", msg)
			}
		}
	}
	by := opts.Actor.Email
	want.UpdatedBy = by
	details := func(c models.Connection, from int64) string {
		fields := make([]string, 0, len(pl.changes))
		for _, ch := range pl.changes {
			fields = append(fields, ch.Field)
		}
		return fmt.Sprintf("id=%s version %d -> %d; changed: %s; via %s", c.PublicID, from, c.Version, strings.Join(fields, ", "), opts.via())
	}
	if pl.existing == nil {
		saved, err := store.CreateConnectionWith(ctx, org.ID, want, func(c *models.Connection) {
			if pl.secretChange {
				c.SealedSecret = sealer.Seal(secret, signin.SecretBinding(*c))
			}
			c.ConfigHash = c.Fingerprint()
		})
		if errors.Is(err, models.ErrConflict) {
			return fail("name", "a connection of this name was created meanwhile; apply again")
		}
		if err != nil {
			return fail("", "not saved: "+err.Error())
		}
		res.Outcome, res.ID, res.Version = Created, saved.PublicID, saved.Version
		opts.audit(ctx, store, org, "connection.create", saved.DisplayName,
			fmt.Sprintf("id=%s protocol=%s preset=%s version=%d; via %s", saved.PublicID, saved.Protocol, saved.Preset, saved.Version, opts.via()))
		return res
	}
	cur := *pl.existing
	if pl.activate != nil && !*pl.activate {
		// Switching off first: refused while it is the last usable
		// connection of an org with SSO on, before anything else changes.
		if _, err := store.RetireConnection(ctx, org.ID, cur.ID, false, false, by); errors.Is(err, models.ErrLastUsable) {
			return fail("active", cur.DisplayName+" is the only tested, active connection and SSO is on: members would have no way in. Turn SSO off first, or test another connection.")
		} else if err != nil {
			return fail("active", "not switched off: "+err.Error())
		}
		opts.audit(ctx, store, org, "connection.deactivate", cur.DisplayName, "id="+cur.PublicID+"; via "+opts.via())
	}
	if configChanged {
		if pl.secretChange {
			want.SealedSecret = sealer.Seal(secret, signin.SecretBinding(cur))
		}
		want.ConfigHash = want.Fingerprint()
		want.Version = cur.Version
		saved, err := store.UpdateConnection(ctx, org.ID, want)
		if errors.Is(err, models.ErrConflict) {
			res.Stale = true
			return fail("version", "someone saved "+cur.DisplayName+" while this was applied; nothing of its settings was changed. Export again and redo your change.")
		}
		if err != nil {
			return fail("", "not saved: "+err.Error())
		}
		if opts.Forget != nil {
			opts.Forget(saved)
		}
		res.Version = saved.Version
		opts.audit(ctx, store, org, "connection.update", saved.DisplayName, details(saved, cur.Version))
	}
	if pl.activate != nil && *pl.activate {
		if err := store.SetConnectionActive(ctx, org.ID, cur.ID, true, by); err != nil {
			return fail("active", "not switched on: "+err.Error())
		}
		opts.audit(ctx, store, org, "connection.activate", cur.DisplayName, "id="+cur.PublicID+"; via "+opts.via())
	}
	res.Outcome = Updated
	return res
}

// needsSecret reports whether a new connection of the item's type needs
// a secret from the document.
func needsSecret(it Item) bool {
	proto, ok := protocolFor(it.Type)
	return !ok || proto.secretInDocument()
}

// asDocument is c with its config as a document says it.
func asDocument(c models.Connection) models.Connection {
	if proto, ok := protocolFor(c.Protocol); ok {
		c.Config = proto.document(c.Config)
	}
	return c
}

func derefOr(c *models.Connection) models.Connection {
	if c == nil {
		return models.Connection{}
	}
	return *c
}

func secretShown(set bool) string {
	if set {
		return "(secret set)"
	}
	return ""
}

// changesBetween lists what differs in the settings (not the secret, not
// the active switch) of two forms of a connection. Configs that say the
// same (say, one stored by the form and one by a document) are equal.
func changesBetween(a, b models.Connection) []Change {
	sa, sb := snapshotOf(a), snapshotOf(b)
	if proto, ok := protocolFor(b.Protocol); ok && a.Protocol == b.Protocol && proto.equal(a.Config, b.Config) {
		sa.Config = sb.Config
	}
	pa, errA := provisioningOf(a)
	pb, errB := provisioningOf(b)
	if errA == nil && errB == nil && pa == pb {
		sa.Provisioning = sb.Provisioning
	}
	ch := Compare(sa, sb)
	if a.Protocol != b.Protocol {
		ch = append([]Change{{Field: "type", Old: a.Protocol, New: b.Protocol}}, ch...)
	}
	return ch
}

func snapshotOf(c models.Connection) Snapshot {
	return Snapshot{Name: c.DisplayName, Preset: c.Preset, LogoURL: c.LogoURL, Config: c.Config, Provisioning: c.Provisioning}
}

func (o Options) via() string {
	if o.Actor.Via != "" {
		return o.Actor.Via
	}
	return "config as code"
}

func (o Options) audit(ctx context.Context, store Store, org models.Organization, action, target, details string) {
	ev := models.AuditEvent{OrgID: &org.ID, ActorID: o.Actor.ID, ActorEmail: o.Actor.Email, Action: action,
		Target: target, Details: details, IP: o.Actor.IP}
	if err := store.Audit(ctx, ev); err != nil && o.Log != nil {
		// The change has happened; a lost audit row must not undo it.
		o.Log.Error("audit", "action", action, "err", err)
	}
}

// ErrNameTaken means another connection of the org has the item's name.
var ErrNameTaken = errors.New("name taken")

// Save creates (target nil) or updates target from one item, as Apply
// does for each item of a document: for the API's create and update of a
// single connection, where the connection is named by its id, so an update
// may rename it. The item's version must be target's. Document problems
// are Errors; a name another connection has is an Errors for "name"
// wrapping ErrNameTaken.
func Save(ctx context.Context, store Store, sealer *secrets.Sealer, org models.Organization, it Item, target *models.Connection, opts Options) (Result, error) {
	items := []Item{it}
	if err := ResolveSecrets(items, opts); err != nil {
		return Result{}, err
	}
	if err := Validate(items); err != nil {
		return Result{}, err
	}
	it = items[0]
	conns, err := store.Connections(ctx, org.ID)
	if err != nil {
		return Result{}, err
	}
	for _, c := range conns {
		if c.NameKey == nameKey(it.Name) && (target == nil || c.ID != target.ID) {
			return Result{}, nameTakenError{Errors{{Item: it.Index, Name: it.Name, Field: "name",
				Message: "a connection named " + c.DisplayName + " already exists; choose another name"}}}
		}
	}
	if target == nil && it.Secret == "" && needsSecret(it) {
		return Result{}, Errors{{Item: it.Index, Name: it.Name, Field: "config.clientSecret", Message: "a new connection needs its client secret"}}
	}
	pl := plan{item: it, existing: target}
	return applyOne(ctx, store, sealer, org, &pl, opts), nil
}

// nameTakenError is the Errors of a taken name, which also is ErrNameTaken.
type nameTakenError struct{ Errors }

func (nameTakenError) Is(target error) bool { return target == ErrNameTaken }

func (e nameTakenError) As(target any) bool {
	if p, ok := target.(*Errors); ok {
		*p = e.Errors
		return true
	}
	return false
}
