package ascode

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/saml"
)

// samlProtocol maps the document's SAML keys to saml.Config. A document
// says how to reach the IdP and how to treat its answers; what the server
// makes of that (the metadata fetched from metadataURL and when, the SP's
// own certificates and private keys) is the server's and never written in
// a document: applying has SAML's form section make it, as a save of the
// connection form does.
type samlProtocol struct{}

// samlDoc is a SAML config as written in a document; the keys are
// saml.Config's JSON names.
type samlDoc struct {
	MetadataURL             string    `yaml:"metadataURL,omitempty" json:"metadataURL,omitempty"`
	MetadataXML             string    `yaml:"metadataXML,omitempty" json:"metadataXML,omitempty"`
	EntityID                string    `yaml:"entityID,omitempty" json:"entityID,omitempty"`
	SSOURL                  string    `yaml:"ssoURL,omitempty" json:"ssoURL,omitempty"`
	Certificates            []string  `yaml:"certificates,omitempty" json:"certificates,omitempty"`
	RequireSignedAssertions bool      `yaml:"requireSignedAssertions" json:"requireSignedAssertions"`
	SignRequests            bool      `yaml:"signRequests" json:"signRequests"`
	EncryptAssertions       bool      `yaml:"encryptAssertions" json:"encryptAssertions"`
	AllowIdPInitiated       bool      `yaml:"allowIdPInitiated" json:"allowIdPInitiated"`
	AllowSHA1               bool      `yaml:"allowSHA1" json:"allowSHA1"`
	NameIDFormat            string    `yaml:"nameIDFormat,omitempty" json:"nameIDFormat,omitempty"`
	AttributeMapping        *claimDoc `yaml:"attributeMapping,omitempty" json:"attributeMapping,omitempty"`
	GroupsAttribute         string    `yaml:"groupsAttribute,omitempty" json:"groupsAttribute,omitempty"`
}

// idpSources are the keys that describe the IdP, each an alternative to
// the others; the by-hand one is three keys.
var idpSources = [][]string{{"metadataURL"}, {"metadataXML"}, {"entityID", "ssoURL", "certificates"}}

func (samlProtocol) parseConfig(p *parser, n *yaml.Node, path string) (string, SecretRef) {
	var c saml.Config
	var required *bool
	am := &c.AttributeMapping
	p.mapping(n, path, map[string]field{
		"metadataURL":             p.str(&c.MetadataURL),
		"metadataXML":             p.str(&c.MetadataXML),
		"entityID":                p.str(&c.EntityID),
		"ssoURL":                  p.str(&c.SSOURL),
		"certificates":            p.list(&c.Certificates),
		"requireSignedAssertions": p.optBoolean(&required),
		"signRequests":            p.boolean(&c.SignRequests),
		"encryptAssertions":       p.boolean(&c.EncryptAssertions),
		"allowIdPInitiated":       p.boolean(&c.AllowIdPInitiated),
		"allowSHA1":               p.boolean(&c.AllowSHA1),
		"nameIDFormat":            p.str(&c.NameIDFormat),
		"attributeMapping": func(n *yaml.Node, full string) {
			p.mapping(n, full, map[string]field{
				"userID": p.str(&am.UserID), "email": p.str(&am.Email), "name": p.str(&am.Name),
				"givenName": p.str(&am.GivenName), "familyName": p.str(&am.FamilyName), "picture": p.str(&am.Picture),
			})
		},
		"groupsAttribute": p.str(&c.GroupsAttribute),
	})
	c.RequireSignedAssertions = required
	// The IdP is described one way; two would leave it unclear which one
	// is meant (the form's precedence is not something to learn from a
	// surprise).
	given := map[string]bool{"metadataURL": c.MetadataURL != "", "metadataXML": c.MetadataXML != "",
		"entityID": c.EntityID != "", "ssoURL": c.SSOURL != "", "certificates": len(c.Certificates) > 0}
	var first string
	for _, keys := range idpSources {
		var named string
		for _, k := range keys {
			if given[k] {
				named = k
				break
			}
		}
		switch {
		case named == "":
		case first == "":
			first = named
		default:
			p.fail(n, join(path, named), "give the identity provider one way: %s is given too; use metadataURL, metadataXML, or entityID with ssoURL and certificates", first)
		}
	}
	b, err := json.Marshal(c)
	if err != nil { // a struct of strings and bools always marshals
		p.fail(n, path, "%v", err)
	}
	return string(b), SecretRef{}
}

func (samlProtocol) validate(config string) map[string]string {
	c, err := saml.ConfigOf([]byte(config))
	if err != nil {
		return map[string]string{"": "the stored settings cannot be read"}
	}
	errs := c.Validate()
	// The SP's keys are made when the settings are stored (readSection),
	// never given in a document.
	delete(errs, "spCertificates")
	return errs
}

// documentOf is a stored config as a document says it, in one form: the
// IdP by the one source in use (metadata fetched from a URL is the URL's,
// and the by-hand keys are unused beside metadata, as Config.IdP reads
// them), certificates as the form stores them, requireSignedAssertions
// spelt out, and nothing the server made.
func documentOf(c saml.Config) saml.Config {
	required := c.SignedAssertionsRequired()
	d := c
	d.RequireSignedAssertions = &required
	d.MetadataFetchedAt, d.SPCertificates = nil, nil
	switch {
	case strings.TrimSpace(c.MetadataURL) != "":
		d.MetadataXML, d.EntityID, d.SSOURL, d.Certificates = "", "", "", nil
	case strings.TrimSpace(c.MetadataXML) != "":
		d.EntityID, d.SSOURL, d.Certificates = "", "", nil
	default:
		d.Certificates = saml.SplitPEM(strings.Join(c.Certificates, "\n"))
	}
	return d
}

func (samlProtocol) document(config string) string {
	c, err := saml.ConfigOf([]byte(config))
	if err != nil {
		return config
	}
	b, err := json.Marshal(documentOf(c))
	if err != nil {
		return config
	}
	return string(b)
}

// equal compares what the documents say: re-applying an export is
// unchanged though the stored config also holds fetched metadata and keys.
func (s samlProtocol) equal(a, b string) bool {
	_, err1 := saml.ConfigOf([]byte(a))
	_, err2 := saml.ConfigOf([]byte(b))
	return err1 == nil && err2 == nil && s.document(a) == s.document(b)
}

func (samlProtocol) export(config string) (any, error) {
	c, err := saml.ConfigOf([]byte(config))
	if err != nil {
		return nil, err
	}
	c = documentOf(c)
	d := samlDoc{
		MetadataURL: c.MetadataURL, MetadataXML: c.MetadataXML, EntityID: c.EntityID, SSOURL: c.SSOURL, Certificates: c.Certificates,
		RequireSignedAssertions: c.SignedAssertionsRequired(), SignRequests: c.SignRequests, EncryptAssertions: c.EncryptAssertions,
		AllowIdPInitiated: c.AllowIdPInitiated, AllowSHA1: c.AllowSHA1, NameIDFormat: c.NameIDFormat, GroupsAttribute: c.GroupsAttribute,
	}
	if m := c.AttributeMapping; m != (connector.ClaimMapping{}) {
		d.AttributeMapping = &claimDoc{UserID: m.UserID, Email: m.Email, Name: m.Name, GivenName: m.GivenName,
			FamilyName: m.FamilyName, Picture: m.Picture}
	}
	return d, nil
}

func (samlProtocol) secretInDocument() bool { return false }

// errNoSAML means Options.Server is missing or speaks no SAML.
var errNoSAML = errors.New("this server cannot store SAML connections here")

// stored has SAML's form section read the document's settings against the
// stored connection, exactly as a save of the form: it fetches the
// metadata when metadataURL is new or nothing was fetched yet, makes an SP
// key pair when signing or encryption needs one and there is none, and
// keeps the stored keys and fetched metadata otherwise.
func (samlProtocol) stored(ctx context.Context, in storeInput) (storeResult, error) {
	srv := in.opts.Server
	if srv == nil {
		return storeResult{}, errNoSAML
	}
	proto, ok := srv.Protocols().Get(saml.Name)
	if !ok {
		return storeResult{}, errNoSAML
	}
	preset, _ := connector.PresetByID(in.item.Preset)
	values, err := proto.Form.Show([]byte(in.item.Config), preset)
	if err != nil {
		return storeResult{}, err
	}
	fi := connector.FormInput{Values: values, Preset: preset, DisplayName: in.item.Name,
		StoredSecret: func() (string, error) { return "", nil }}
	if c := in.existing; c != nil {
		fi.Stored = []byte(c.Config)
		fi.StoredSecret = func() (string, error) { return openSecret(in.sealer, *c) }
		fi.Env = srv.Env(in.org, *c)
	} else {
		fi.Env = srv.Env(in.org, in.want)
	}
	res := proto.Form.Read(ctx, fi)
	if len(res.Problems) > 0 {
		fields := make([]string, 0, len(res.Problems))
		for f := range res.Problems {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		return storeResult{field: join("config", fields[0]), problem: res.Problems[fields[0]]}, nil
	}
	return storeResult{config: string(res.Config), secret: res.Secret, secretField: "config.spCertificates"}, nil
}

func (samlProtocol) addresses(env connector.Env) (string, string) { return env.ReturnURL, env.EntityID }

// restored keeps the SP certificates of now, which go with the sealed keys
// of now, and the metadata fetched now when the URL is the same.
func (samlProtocol) restored(version, current string) string {
	v, err1 := saml.ConfigOf([]byte(version))
	c, err2 := saml.ConfigOf([]byte(current))
	if err1 != nil || err2 != nil {
		return version
	}
	v.SPCertificates = c.SPCertificates
	if v.MetadataURL != "" && v.MetadataURL == c.MetadataURL {
		v.MetadataXML, v.MetadataFetchedAt = c.MetadataXML, c.MetadataFetchedAt
	}
	b, err := json.Marshal(v)
	if err != nil {
		return version
	}
	return string(b)
}
