// Package views is the home of orgsso's templ components: layout/ (the page
// frame), components/ (reusable pieces: form fields, copy buttons, the
// connections table) and pages/ (one component and one props struct per
// page). Views import only models types and static; they never query.
package views
