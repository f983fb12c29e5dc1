// Package layout is the HTML frame around every page: head with the hashed
// static assets and the CSRF meta tag, the navigation (with admin links only
// for those who may use them), flash messages and the main container.
package layout
