// Package components holds the pieces pages share: labelled form inputs
// with their errors, the CSRF field, copy buttons, and the connections
// table with its rows (also rendered alone for htmx updates).
package components
