// Package policies holds orgsso's Casbin model and its default policy (what
// each role may do), embedded into the binary.
package policies

import _ "embed"

// Model is the Casbin model text.
//
//go:embed model.conf
var Model string

// Policy is the default policy in Casbin's CSV form.
//
//go:embed policy.csv
var Policy string
