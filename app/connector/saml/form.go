package saml

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgsso/orgsso/app/connector"
)

// The form's fields that are not settings of their own.
const (
	fieldMetadataFile  = "metadataFile"
	fieldSPCertificate = "spCertificate"
	fieldSPPrivateKey  = "spPrivateKey"
	// infoIdP and infoSP show the certificates in use (read only).
	infoIdP = "info.idpCertificates"
	infoSP  = "info.spCertificates"
)

// The form's own buttons (connector.FormInput.Action).
const (
	ActionAddSPKey    = "add-sp-key"
	ActionRetireSPKey = "retire-sp-key"
)

// form is SAML's part of the connection form.
func form() *connector.Form {
	return &connector.Form{
		Fields: []connector.FormField{
			{Name: "metadataURL", Label: "IdP metadata URL", UpFront: true}, {Name: fieldMetadataFile, Label: "IdP metadata file", UpFront: true},
			{Name: "metadataXML", Label: "IdP metadata (XML)", UpFront: true}, {Name: "entityID", Label: "IdP entity ID", UpFront: true},
			{Name: "ssoURL", Label: "IdP single sign-on URL", UpFront: true}, {Name: "certificates", Label: "IdP signing certificates", UpFront: true},
			{Name: "requireSignedAssertions", Label: "Require signed assertions"}, {Name: "signRequests", Label: "Sign sign-in requests"},
			{Name: "encryptAssertions", Label: "Encrypted assertions"}, {Name: "allowIdPInitiated", Label: "Allow sign-in started at the identity provider"},
			{Name: "allowSHA1", Label: "Accept SHA-1 signatures"}, {Name: "nameIDFormat", Label: "NameID format"},
			{Name: "spCertificates", Label: "This connection's keys"}, {Name: fieldSPCertificate, Label: "Certificate (PEM)"},
			{Name: fieldSPPrivateKey, Label: "Private key (PEM)"},
			{Name: "attributeMapping.userID", Label: "User ID attribute"}, {Name: "attributeMapping.email", Label: "Email attribute"},
			{Name: "attributeMapping.name", Label: "Name attribute"}, {Name: "attributeMapping.givenName", Label: "Given name attribute"},
			{Name: "attributeMapping.familyName", Label: "Family name attribute"}, {Name: "attributeMapping.picture", Label: "Picture attribute"},
			{Name: "groupsAttribute", Label: "Groups attribute"},
		},
		SecretFields: []string{fieldSPPrivateKey},
		ReturnLabel:  "ACS URL (reply URL)",
		ReturnID:     "acs-url",
		New:          newValues,
		Show:         showValues,
		Read:         readSection,
	}
}

// newValues are a new connection's starting values from its preset.
func newValues(p connector.Preset) connector.FormValues {
	return connector.FormValues{
		"requireSignedAssertions":     "true",
		"attributeMapping.userID":     p.ClaimMapping.UserID,
		"attributeMapping.email":      p.ClaimMapping.Email,
		"attributeMapping.name":       p.ClaimMapping.Name,
		"attributeMapping.givenName":  p.ClaimMapping.GivenName,
		"attributeMapping.familyName": p.ClaimMapping.FamilyName,
		"attributeMapping.picture":    p.ClaimMapping.Picture,
		"groupsAttribute":             p.GroupsClaim,
	}
}

// showValues shows a stored configuration in the form.
func showValues(raw []byte, _ connector.Preset) (connector.FormValues, error) {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return nil, err
	}
	return valuesOf(cfg, time.Now()), nil
}

// valuesOf is cfg as the form shows it, with its certificates described
// as of now.
func valuesOf(cfg Config, now time.Time) connector.FormValues {
	v := connector.FormValues{
		"metadataURL": cfg.MetadataURL, "entityID": cfg.EntityID, "ssoURL": cfg.SSOURL,
		"certificates":            strings.Join(cfg.Certificates, "\n"),
		"requireSignedAssertions": connector.Check(cfg.SignedAssertionsRequired()),
		"signRequests":            connector.Check(cfg.SignRequests),
		"encryptAssertions":       connector.Check(cfg.EncryptAssertions),
		"allowIdPInitiated":       connector.Check(cfg.AllowIdPInitiated),
		"allowSHA1":               connector.Check(cfg.AllowSHA1),
		"nameIDFormat":            cfg.NameIDFormat,
		"attributeMapping.userID": cfg.AttributeMapping.UserID, "attributeMapping.email": cfg.AttributeMapping.Email,
		"attributeMapping.name": cfg.AttributeMapping.Name, "attributeMapping.givenName": cfg.AttributeMapping.GivenName,
		"attributeMapping.familyName": cfg.AttributeMapping.FamilyName, "attributeMapping.picture": cfg.AttributeMapping.Picture,
		"groupsAttribute": cfg.GroupsAttribute,
	}
	// Metadata fetched from the URL is the URL's; only uploaded metadata
	// is the admin's to see and edit.
	if cfg.MetadataURL == "" {
		v["metadataXML"] = cfg.MetadataXML
	}
	if cfg.MetadataFetchedAt != nil {
		v["metadataFetchedAt"] = cfg.MetadataFetchedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	var idp, sp []string
	for _, c := range Certificates(cfg) {
		line := describe(c, now)
		if c.Role == "sp" {
			sp = append(sp, line)
		} else {
			idp = append(idp, line)
		}
	}
	v[infoIdP], v[infoSP] = strings.Join(idp, "\n"), strings.Join(sp, "\n")
	return v
}

// describe is one certificate in a line: whose, until when, which.
func describe(c CertInfo, now time.Time) string {
	until, expired := connector.Expiry(c.NotAfter, now)
	switch {
	case expired:
		until = strings.ToUpper(until[:1]) + until[1:]
	case until == "":
		until = "valid until " + c.NotAfter.UTC().Format("2006-01-02")
	}
	fp := c.Fingerprint
	if len(fp) > 23 {
		fp = fp[:23] + "…"
	}
	return c.Subject + " · " + until + " · SHA-256 " + fp
}

// readSection checks the submitted section: the IdP's side from its metadata
// (fetched from the URL when that is new or asked for), the security
// settings, and the SP's keys (made when first needed, added, retired or
// pasted).
func readSection(ctx context.Context, in connector.FormInput) connector.FormResult {
	v := connector.FormValues{}
	for name, value := range in.Values {
		if !strings.HasPrefix(name, "info.") {
			v[name] = value
		}
	}
	res := connector.FormResult{Values: v, Problems: map[string]string{}}
	var stored Config
	if in.Stored != nil {
		var err error
		if stored, err = ConfigOf(in.Stored); err != nil {
			res.Problems["metadataURL"] = "This connection's stored settings cannot be read: " + err.Error()
			return res
		}
	}
	required := v.On("requireSignedAssertions")
	cfg := Config{
		MetadataURL: v["metadataURL"], EntityID: v["entityID"], SSOURL: v["ssoURL"],
		Certificates:            SplitPEM(v["certificates"]),
		RequireSignedAssertions: &required,
		SignRequests:            v.On("signRequests"), EncryptAssertions: v.On("encryptAssertions"),
		AllowIdPInitiated: v.On("allowIdPInitiated"), AllowSHA1: v.On("allowSHA1"), NameIDFormat: v["nameIDFormat"],
		AttributeMapping: connector.ClaimMapping{
			UserID: v["attributeMapping.userID"], Email: v["attributeMapping.email"], Name: v["attributeMapping.name"],
			GivenName: v["attributeMapping.givenName"], FamilyName: v["attributeMapping.familyName"], Picture: v["attributeMapping.picture"],
		},
		GroupsAttribute: v["groupsAttribute"],
		SPCertificates:  stored.SPCertificates,
	}
	metadataField := readMetadata(ctx, in, stored, &cfg, &res)
	keysChanged, secret := readKeys(in, &cfg, &res)
	for field, msg := range cfg.Validate() {
		if field == "metadataXML" {
			field = metadataField
		}
		if _, ok := res.Problems[field]; !ok {
			res.Problems[field] = msg
		}
	}
	fresh := valuesOf(cfg, in.Now())
	v[infoIdP], v[infoSP], v["metadataFetchedAt"] = fresh[infoIdP], fresh[infoSP], fresh["metadataFetchedAt"]
	if cfg.MetadataURL == "" {
		v["metadataXML"] = cfg.MetadataXML
	}
	delete(v, fieldMetadataFile)
	if len(res.Problems) > 0 {
		return res
	}
	if keysChanged {
		s := secret.String()
		res.Secret = &s
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		res.Problems["metadataURL"] = err.Error()
		return res
	}
	res.Config = raw
	return res
}

// readMetadata sets cfg's IdP metadata: fetched from its URL when the URL
// is new, nothing was fetched yet or the admin asks; else as uploaded or
// pasted. It returns the field a problem with the metadata belongs to.
func readMetadata(ctx context.Context, in connector.FormInput, stored Config, cfg *Config, res *connector.FormResult) string {
	v := res.Values
	switch {
	case cfg.MetadataURL != "":
		refetch := cfg.MetadataURL != stored.MetadataURL || stored.MetadataXML == ""
		if !refetch {
			cfg.MetadataXML, cfg.MetadataFetchedAt = stored.MetadataXML, stored.MetadataFetchedAt
			return "metadataURL"
		}
		if err := cfg.fetchMetadata(ctx, in.Env); err != nil {
			res.Problems["metadataURL"] = connector.Reason(err)
			return "metadataURL"
		}
		res.Notice = CertificateChange(stored, *cfg)
		return "metadataURL"
	case v[fieldMetadataFile] != "":
		cfg.MetadataXML = v[fieldMetadataFile]
		return fieldMetadataFile
	default:
		cfg.MetadataXML = v["metadataXML"]
		return "metadataXML"
	}
}

// fetchMetadata fetches c's IdP metadata from its URL (checked to be
// metadata) and keeps it, with when it was fetched: the one way the form
// and a refresh read it.
func (c *Config) fetchMetadata(ctx context.Context, env connector.Env) error {
	doc, err := FetchMetadata(ctx, env.HTTPClient, c.MetadataURL)
	if err != nil {
		return err
	}
	now := env.Clock()().UTC()
	c.MetadataXML, c.MetadataFetchedAt = string(doc), &now
	return nil
}

// CertificateChange says in words how the IdP's signing certificates
// differ between two configurations ("" when they do not, or when there
// were none before).
func CertificateChange(before, after Config) string {
	old, now := idpFingerprints(before), idpFingerprints(after)
	if len(old) == 0 || slices.Equal(old, now) {
		return ""
	}
	var added, gone int
	for _, f := range now {
		if !slices.Contains(old, f) {
			added++
		}
	}
	for _, f := range old {
		if !slices.Contains(now, f) {
			gone++
		}
	}
	return fmt.Sprintf("The identity provider's metadata changed its signing certificates: %d new, %d no longer trusted.", added, gone)
}

// idpFingerprints are the fingerprints of c's IdP certificates, sorted.
func idpFingerprints(c Config) []string {
	var out []string
	for _, info := range Certificates(c) {
		if info.Role == "idp" {
			out = append(out, info.Fingerprint)
		}
	}
	slices.Sort(out)
	return out
}

// readKeys applies the admin's key actions to cfg.SPCertificates and the
// secret's keys, which stay in step: a pasted pair is added, "add" makes
// a new one, "retire" drops the oldest (never the last), and signing or
// encryption without any key makes the first. It reports whether the
// keys changed.
func readKeys(in connector.FormInput, cfg *Config, res *connector.FormResult) (bool, Secret) {
	v := res.Values
	var secret Secret
	if in.StoredSecret != nil {
		s, err := in.StoredSecret()
		if err == nil {
			secret, err = SecretOf(s)
		}
		if err != nil || len(secret.SPKeys) != len(cfg.SPCertificates) {
			if len(cfg.SPCertificates) > 0 {
				res.Problems["spCertificates"] = "This connection's stored private keys cannot be read with this server's secret key; paste the key pair again, or retire these keys."
				return false, secret
			}
			secret = Secret{}
		}
	}
	changed := false
	add := func(cert, key string) {
		cfg.SPCertificates = append(slices.Clone(cfg.SPCertificates), cert)
		secret.SPKeys = append(slices.Clone(secret.SPKeys), key)
		changed = true
	}
	generate := func() {
		cert, key, err := NewSPKeyPair(in.Now(), spCommonName(in.DisplayName))
		if err != nil {
			res.Problems["spCertificates"] = "A key pair could not be made: " + err.Error()
			return
		}
		add(cert, key)
	}
	cert, key := strings.TrimSpace(v[fieldSPCertificate]), strings.TrimSpace(in.Values[fieldSPPrivateKey])
	switch {
	case cert == "" && key == "":
	case cert == "":
		res.Problems[fieldSPCertificate] = "Paste the certificate that goes with the private key."
	case key == "":
		res.Problems[fieldSPPrivateKey] = "Paste the private key that goes with the certificate."
	default:
		if err := CheckSPKeyPair(cert, key); err != nil {
			res.Problems[fieldSPPrivateKey] = connector.Reason(err)
		} else {
			add(cert, key)
			delete(v, fieldSPCertificate)
		}
	}
	switch in.Action {
	case ActionAddSPKey:
		generate()
		res.Notice = "A new key pair was added; it is published in the metadata beside the old one, which still signs until you retire it."
	case ActionRetireSPKey:
		if len(cfg.SPCertificates) > 1 {
			cfg.SPCertificates = slices.Clone(cfg.SPCertificates[1:])
			secret.SPKeys = slices.Clone(secret.SPKeys[1:])
			changed = true
			res.Notice = "The oldest key pair was retired; give the identity provider the metadata again if it does not fetch it."
		}
	}
	if (cfg.SignRequests || cfg.EncryptAssertions) && len(cfg.SPCertificates) == 0 && len(res.Problems) == 0 {
		generate()
		res.Notice = "A key pair was made for this connection; give the identity provider the metadata, which carries its certificate."
	}
	return changed, secret
}

// spCommonName is the subject of the certificates made for a connection.
func spCommonName(displayName string) string {
	if displayName == "" {
		return "orgsso SAML SP"
	}
	return displayName + " (orgsso SAML SP)"
}

// SplitPEM splits pasted certificates into one PEM block each, written as
// the form stores them (config as code compares certificates in this
// form); text that is not PEM is kept as one entry, for Validate to name.
func SplitPEM(s string) []string {
	var out []string
	rest := []byte(strings.TrimSpace(s))
	for len(rest) > 0 {
		block, next := pem.Decode(rest)
		if block == nil {
			out = append(out, strings.TrimSpace(string(rest)))
			break
		}
		out = append(out, strings.TrimSpace(string(pem.EncodeToMemory(block))))
		rest = []byte(strings.TrimSpace(string(next)))
	}
	return out
}

// refresh fetches a connection's metadata again from its URL (nil when it
// has none) and says how the IdP's certificates changed.
func refresh(ctx context.Context, raw []byte, env connector.Env) ([]byte, string, error) {
	cfg, err := ConfigOf(raw)
	if err != nil || cfg.MetadataURL == "" {
		return nil, "", err
	}
	before := cfg
	if err := cfg.fetchMetadata(ctx, env); err != nil {
		return nil, "", err
	}
	out, err := json.Marshal(cfg)
	return out, CertificateChange(before, cfg), err
}

// certificates are the certificates a stored configuration relies on.
func certificates(raw []byte) []connector.Certificate {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return nil
	}
	var out []connector.Certificate
	for _, c := range Certificates(cfg) {
		out = append(out, connector.Certificate{Role: c.Role, Subject: c.Subject, NotAfter: c.NotAfter})
	}
	return out
}
