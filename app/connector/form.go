package connector

import (
	"context"
	"time"
)

// Form is a protocol's part of the connection form: the settings it stores
// in a connection's configuration, as form fields named by their JSON path
// ("issuer", "claimMapping.email"). The web layer owns the rest of the
// form (name, logo, provisioning) and renders the section by the
// protocol's name.
type Form struct {
	// Fields are the section's fields in the order the form shows them,
	// with their labels: the error summary lists problems in this order.
	Fields []FormField
	// SecretFields are fields whose values are never shown again (a client
	// secret, a private key): a form shown back after an error leaves them
	// empty and says so.
	SecretFields []string
	// ReturnLabel names the protocol's return URL for the IdP's admin
	// ("Redirect URI", "ACS URL"); ReturnID is the id of the box that
	// shows it.
	ReturnLabel, ReturnID string
	// New gives a new connection's values from its preset.
	New func(p Preset) FormValues
	// Show gives a stored configuration's values.
	Show func(config []byte, p Preset) (FormValues, error)
	// Read checks a submitted section and says what to store.
	Read func(ctx context.Context, in FormInput) FormResult
}

// FormField is one field of a protocol's form section.
type FormField struct {
	Name, Label string
	// UpFront fields are shown outside the folded Advanced settings.
	UpFront bool
}

// FormValues are a form section's values by field name; a checkbox is
// "true" when on and "" when off.
type FormValues map[string]string

// On reports whether the checkbox name is on.
func (v FormValues) On(name string) bool { return v[name] == "true" }

// Check returns "true" for on and "" for off, as a checkbox posts.
func Check(on bool) string {
	if on {
		return "true"
	}
	return ""
}

// FormInput is a submitted form section.
type FormInput struct {
	Values FormValues
	Preset Preset
	// Stored is the connection's stored configuration (nil for a new one)
	// and StoredSecret opens its stored secret ("" for none).
	Stored       []byte
	StoredSecret func() (string, error)
	// Action is the button the admin pressed, when it is not the plain
	// save: a protocol's own buttons (fetch the metadata again, add a key)
	// submit the form with their action, so that they are saved, versioned
	// and audited like any edit.
	Action string
	// Env is what the protocol may use of the server (HTTP client, clock).
	Env Env
	// DisplayName is the connection's name, for what the protocol creates
	// in its name (a certificate's subject).
	DisplayName string
}

// FormResult is what a form section gives to store.
type FormResult struct {
	// Config is the configuration to store (nil when there are problems).
	Config []byte
	// Secret, when not nil, replaces the stored secret; nil keeps it.
	Secret *string
	// Values are the values to show again: the input, cleaned and with
	// what the protocol derived from it.
	Values FormValues
	// Problems are messages by field name; the form is not saved with any.
	Problems map[string]string
	// Check asks the caller to open the connector with the new settings
	// before saving (it asks the IdP for its discovery document); a
	// failure is shown at CheckField.
	Check      bool
	CheckField string
	// Notice, when set, is told to the admin after saving (what a fetch
	// brought, say).
	Notice string
}

// Now is the form's clock.
func (in FormInput) Now() time.Time { return in.Env.Clock()() }
