package ascode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/orgsso/orgsso/models"
)

// Item is one connection of a document, as read by Parse.
type Item struct {
	// Index is the item's 1-based position in the document.
	Index int
	// ID is the connection's public id as exported; read-only, Apply
	// matches items by Name.
	ID   string
	Type string
	// Name is the display name, cleaned (models/names).
	Name    string
	Preset  string
	LogoURL string
	// Active is nil when the document does not say: a new connection is
	// active, an existing one keeps its state.
	Active *bool
	// Version is the version the item was written against (0: none given).
	Version int64
	// Config is the protocol configuration as the document says it (JSON,
	// no secret); for OIDC that is what is stored, for SAML the server
	// adds what it makes of it (fetched metadata, its own keys) on apply.
	Config string
	// SecretRef says where the client secret comes from (empty: keep the
	// stored one). Resolve reads it into Secret.
	SecretRef SecretRef
	// Secret is the resolved client secret; never printed.
	Secret       string
	Provisioning models.Provisioning
}

// Label names the item in messages: its position and name.
func (it Item) Label() string {
	if it.Name == "" {
		return fmt.Sprintf("item %d", it.Index)
	}
	return fmt.Sprintf("item %d (%q)", it.Index, it.Name)
}

// SecretRef is where an item's client secret is to be read from.
type SecretRef struct {
	// Key is the document key that named it: clientSecretEnv,
	// clientSecretFile or clientSecret.
	Key string
	// Value is the variable's name, the file's path, or, for clientSecret,
	// the secret itself.
	Value string
}

// FieldError is one problem of a document: which item, which key, what.
type FieldError struct {
	// Item is the 1-based position of the item (0: the document itself).
	Item int
	// Name is the item's display name, when known.
	Name string
	// Field is the key's path in the item, such as "config.pkce".
	Field   string
	Message string
	// Line is the line in the document (0 when unknown).
	Line int
}

func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case e.Item == 0:
	case e.Name != "":
		fmt.Fprintf(&b, "item %d (%q): ", e.Item, e.Name)
	default:
		fmt.Fprintf(&b, "item %d: ", e.Item)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// Errors are all the problems found in a document.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// MaxDocument is the largest document Parse reads, in bytes.
const MaxDocument = 1 << 20

// Parse reads a document: a YAML (or JSON) list of connections in the
// shape Export writes. Every problem is returned, as Errors, each naming
// its item and key; with any, no item is returned.
func Parse(data []byte) ([]Item, error) {
	if len(data) > MaxDocument {
		return nil, Errors{{Message: fmt.Sprintf("the document is larger than %d bytes", MaxDocument)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty document: no connections
		}
		return nil, Errors{{Message: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, Errors{{Message: "the file holds more than one YAML document; put every connection in one list"}}
	}
	p := &parser{}
	items := p.document(&root)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return items, nil
}

// ParseItem reads one connection (a map in the document's item shape),
// such as the body of the API's create and update.
func ParseItem(data []byte) (Item, error) {
	if len(data) > MaxDocument {
		return Item{}, Errors{{Message: fmt.Sprintf("the body is larger than %d bytes", MaxDocument)}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Item{}, Errors{{Message: "not valid JSON or YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return Item{}, Errors{{Message: "want one connection: an object with type, name, config …, got " + describe(n)}}
	}
	p := &parser{}
	it := Item{Index: 1}
	p.item = &it
	p.readItem(n)
	if len(p.errs) > 0 {
		for _, e := range p.errs {
			e.Item = 0 // one connection: its fields say enough
		}
		return Item{}, p.errs
	}
	return it, nil
}

// parser collects the problems of one document.
type parser struct {
	errs Errors
	item *Item // the item being read
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	e := &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
	}
	if p.item != nil {
		e.Item, e.Name = p.item.Index, p.item.Name
	}
	p.errs = append(p.errs, e)
}

// describe says what kind of value a node holds, for "want …, got …".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a map"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the text %q", n.Value)
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		case "!!null":
			return "nothing"
		}
		return n.Value
	}
	return "an unknown value"
}

func (p *parser) document(root *yaml.Node) []Item {
	n := root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "", "want a list of connections (each starting with \"- type: …\"), got %s", describe(n))
		return nil
	}
	items := make([]Item, 0, len(n.Content))
	for i, in := range n.Content {
		it := Item{Index: i + 1}
		p.item = &it
		p.readItem(in)
		p.item = nil
		items = append(items, it)
	}
	// Names are unique in an org: two items of one name would be applied
	// over each other.
	seen := map[string]int{}
	for _, it := range items {
		if it.Name == "" {
			continue
		}
		key := nameKey(it.Name)
		if first, ok := seen[key]; ok {
			p.item = &it
			p.fail(n.Content[it.Index-1], "name", "the same name as item %d; each connection needs its own name", first)
			p.item = nil
			continue
		}
		seen[key] = it.Index
	}
	return items
}

// field reads the value of one key.
type field func(n *yaml.Node, path string)

// mapping reads a map whose keys must all be in fields; unknown keys,
// keys given twice, aliases and merge keys are errors.
func (p *parser) mapping(n *yaml.Node, path string, fields map[string]field) bool {
	if n.Kind != yaml.MappingNode {
		p.fail(n, path, "want a map of keys, got %s", describe(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			p.fail(k, path, "only plain keys are allowed here, not %s", describe(k))
			continue
		}
		full := join(path, k.Value)
		if seen[k.Value] {
			p.fail(k, full, "this key is given twice")
			continue
		}
		seen[k.Value] = true
		f, ok := fields[k.Value]
		if !ok {
			p.fail(k, full, "unknown key; the keys here are %s", keyList(fields))
			continue
		}
		if v.Kind == yaml.AliasNode {
			p.fail(v, full, "aliases (*name) are not allowed; write the value out")
			continue
		}
		f(v, full)
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func keyList(fields map[string]field) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func (p *parser) str(dst *string) field {
	return func(n *yaml.Node, path string) {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			p.fail(n, path, "want text, got %s (put quotes around it if it is meant as text)", describe(n))
			return
		}
		*dst = n.Value
	}
}

func (p *parser) boolean(dst *bool) field {
	return func(n *yaml.Node, path string) {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			p.fail(n, path, "want true or false, got %s", describe(n))
			return
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			p.fail(n, path, "want true or false, got %s", describe(n))
			return
		}
		*dst = b
	}
}

func (p *parser) optBoolean(dst **bool) field {
	return func(n *yaml.Node, path string) {
		var b bool
		before := len(p.errs)
		p.boolean(&b)(n, path)
		if len(p.errs) == before {
			*dst = &b
		}
	}
}

func (p *parser) integer(dst *int64) field {
	return func(n *yaml.Node, path string) {
		var v int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
			p.fail(n, path, "want a whole number, got %s", describe(n))
			return
		}
		if v < 0 {
			p.fail(n, path, "want a number of 1 or more, got %d", v)
			return
		}
		*dst = v
	}
}

func (p *parser) list(dst *[]string) field {
	return func(n *yaml.Node, path string) {
		if n.Kind != yaml.SequenceNode {
			p.fail(n, path, "want a list of text, like [a, b], got %s", describe(n))
			return
		}
		out := make([]string, 0, len(n.Content))
		for i, e := range n.Content {
			if e.Kind != yaml.ScalarNode || e.ShortTag() != "!!str" {
				p.fail(e, fmt.Sprintf("%s[%d]", path, i), "want text, got %s", describe(e))
				continue
			}
			out = append(out, e.Value)
		}
		if len(out) > 0 {
			*dst = out
		}
	}
}

// ignore accepts any value: the read-only keys export writes.
func ignore(*yaml.Node, string) {}

func (p *parser) readItem(n *yaml.Node) {
	it := p.item
	// The name is read first, so that every message about the item names it.
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode && n.Content[i+1].ShortTag() == "!!str" {
				it.Name = n.Content[i+1].Value
			}
		}
	}
	var configNode *yaml.Node
	var configPath string
	fields := map[string]field{
		"id":      p.str(&it.ID),
		"type":    p.str(&it.Type),
		"name":    p.str(&it.Name),
		"preset":  p.str(&it.Preset),
		"logoURL": p.str(&it.LogoURL),
		"active":  p.optBoolean(&it.Active),
		"version": p.integer(&it.Version),
		"test":    ignore,
		// A SAML connection's own addresses, as export shows them.
		"acsURL":     ignore,
		"spEntityID": ignore,
		"config": func(n *yaml.Node, path string) {
			configNode, configPath = n, path
		},
		"provisioning": func(n *yaml.Node, path string) { p.provisioning(n, path, &it.Provisioning) },
	}
	if !p.mapping(n, "", fields) {
		return
	}
	p.checkName(n)
	if it.Type == "" {
		p.fail(n, "type", "missing; write type: %s", strings.Join(protocolNames(), " or type: "))
		return
	}
	proto, ok := protocolFor(it.Type)
	if !ok {
		p.fail(n, "type", "unknown type %q; the types are %s", it.Type, strings.Join(protocolNames(), ", "))
		return
	}
	if configNode == nil {
		p.fail(n, "config", "missing; every connection needs its %s settings", it.Type)
		return
	}
	it.Config, it.SecretRef = proto.parseConfig(p, configNode, configPath)
}

// checkName cleans the item's name as the form does (models/names).
func (p *parser) checkName(n *yaml.Node) {
	it := p.item
	if strings.TrimSpace(it.Name) == "" {
		p.fail(n, "name", "missing; give the name members see on the login button")
		return
	}
	clean, err := cleanName(it.Name)
	if err != nil {
		p.fail(n, "name", "%s", err.Error())
		return
	}
	it.Name = clean
}

func (p *parser) provisioning(n *yaml.Node, path string, dst *models.Provisioning) {
	p.mapping(n, path, map[string]field{
		"jit":                 p.boolean(&dst.JIT),
		"activation":          p.boolean(&dst.Activation),
		"consent":             p.boolean(&dst.Consent),
		"defaultRole":         p.str(&dst.DefaultRole),
		"groupMappings":       p.str(&dst.GroupMappings),
		"syncRoles":           p.boolean(&dst.SyncRoles),
		"linkByVerifiedEmail": p.boolean(&dst.LinkByVerifiedEmail),
	})
	if dst.DefaultRole == "none" {
		dst.DefaultRole = ""
	}
}
