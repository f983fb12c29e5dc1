package ascode

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Change is one field that differs between two versions of a connection.
// Secrets appear only as whether they changed, never as values.
type Change struct {
	// Field is the document's key path, such as "config.pkce".
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func (c Change) String() string {
	return fmt.Sprintf("%s: %s -> %s", c.Field, show(c.Old), show(c.New))
}

func show(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// flatten turns a JSON object into key paths (prefix.key.sub) and their
// values as text; lists are written like [a, b].
func flatten(prefix, doc string) map[string]string {
	out := map[string]string{}
	var v any
	if doc == "" || json.Unmarshal([]byte(doc), &v) != nil {
		return out
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, sub := range t {
				walk(join(path, k), sub)
			}
		case []any:
			parts := make([]string, len(t))
			for i, e := range t {
				parts[i] = fmt.Sprint(e)
			}
			if len(parts) > 0 {
				out[path] = "[" + strings.Join(parts, ", ") + "]"
			}
		case nil:
		case string:
			if t != "" {
				out[path] = t
			}
		default:
			out[path] = fmt.Sprint(t)
		}
	}
	walk(prefix, v)
	return out
}

// Diff lists the fields whose values differ between two flattened
// documents, by field name. A boolean that is false and one that is
// absent are the same.
func diffMaps(a, b map[string]string) []Change {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		av, bv := a[k], b[k]
		if av == "false" {
			av = ""
		}
		if bv == "false" {
			bv = ""
		}
		if av != bv {
			out = append(out, Change{Field: k, Old: a[k], New: b[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// Snapshot is what one version of a connection says, without its secret:
// the fields a diff compares.
type Snapshot struct {
	Name         string
	Preset       string
	LogoURL      string
	Config       string // protocol JSON
	Provisioning string // models.Provisioning JSON
}

// Compare lists the fields that differ from a to b.
func Compare(a, b Snapshot) []Change {
	return diffMaps(a.fields(), b.fields())
}

func (s Snapshot) fields() map[string]string {
	m := flatten("config", s.Config)
	for k, v := range flatten("provisioning", s.Provisioning) {
		m[k] = v
	}
	if s.Name != "" {
		m["name"] = s.Name
	}
	if s.Preset != "" {
		m["preset"] = s.Preset
	}
	if s.LogoURL != "" {
		m["logoURL"] = s.LogoURL
	}
	return m
}
