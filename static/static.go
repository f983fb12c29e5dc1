// Package static owns the browser assets of orgsso: app.css, app.js, the
// vendored Pico CSS and htmx builds (fetched by scripts/vendor.sh), and the
// preset logos under img/. They are embedded in the binary and served under
// content-hashed names, so pages can cache them forever and a new release
// still reaches every browser at once.
//
// Templates link assets with Path:
//
//	<link rel="stylesheet" href={ static.Path("app.css") }>
//
// and the router mounts Handler under Prefix:
//
//	e.GET(static.Prefix+"*", echo.WrapHandler(static.New().Handler()))
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the URL path under which Handler serves the assets.
const Prefix = "/static/"

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	hashLen         = 8 // hex digits of SHA-256 kept in a hashed name
)

//go:embed app.css app.js vendor img
var embedded embed.FS

// builtin is the read-only table of the embedded assets, built once from the
// embedded files. Nothing mutates it after initialisation.
var builtin = mustLoad(embedded)

// Assets is an immutable set of files, each reachable under its plain name
// and under a name carrying a hash of its content.
type Assets struct {
	byName   map[string]*asset // "app.css"
	byHashed map[string]*asset // "app.3f2a9c1b.css"
}

type asset struct {
	name        string // path relative to the asset root, e.g. "vendor/htmx.min.js"
	hashed      string // name with the content hash before the extension
	etag        string // quoted strong ETag
	contentType string
	body        []byte
}

// New returns the assets embedded in the binary. The value is read-only and
// safe for concurrent use.
func New() *Assets { return builtin }

// Path returns the URL of the embedded asset name (relative to the static
// directory, e.g. "app.css" or "img/okta.svg") under its content-hashed name,
// e.g. "/static/app.3f2a9c1b.css".
func Path(name string) string { return builtin.Path(name) }

func mustLoad(fsys fs.FS) *Assets {
	a, err := load(fsys)
	if err != nil {
		panic(fmt.Sprintf("static: loading embedded assets: %v", err))
	}
	return a
}

// load reads every regular file of fsys and computes its hashed name.
func load(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:hashLen]
		f := &asset{
			name:        name,
			hashed:      hashedName(name, hash),
			etag:        `"` + hash + `"`,
			contentType: contentType(name),
			body:        body,
		}
		a.byName[f.name] = f
		a.byHashed[f.hashed] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// hashedName inserts hash before the last extension: "vendor/htmx.min.js"
// becomes "vendor/htmx.min.3f2a9c1b.js"; "vendor/htmx.LICENSE" becomes
// "vendor/htmx.3f2a9c1b.LICENSE"; a name without a dot gets ".hash" appended.
func hashedName(name, hash string) string {
	dir, file := path.Split(name)
	if i := strings.LastIndexByte(file, '.'); i > 0 {
		return dir + file[:i] + "." + hash + file[i:]
	}
	return name + "." + hash
}

// contentType is a fixed table rather than mime.TypeByExtension, whose answers
// depend on the host's /etc/mime.types.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".json":
		return "application/json"
	default: // LICENSE, LICENSE.md and other text
		return "text/plain; charset=utf-8"
	}
}

// Path returns the URL of asset name under its content-hashed name, e.g.
// "/static/app.3f2a9c1b.css". For a name that is not embedded it returns the
// plain URL ("/static/" + name), which the handler answers with 404, so a
// typo shows as a missing asset rather than a failed page.
func (a *Assets) Path(name string) string {
	if f, ok := a.byName[name]; ok {
		return Prefix + f.hashed
	}
	return Prefix + name
}

// Handler serves the assets at Prefix + hashed name with a year-long immutable
// Cache-Control, and at Prefix + plain name with Cache-Control: no-cache
// (revalidated by ETag). Anything else under Prefix is 404; methods other than
// GET and HEAD are 405.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(a.serve)
}

func (a *Assets) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, cache := a.byHashed[name], cacheImmutable
	if f == nil {
		f, cache = a.byName[name], cacheRevalidate
	}
	if f == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", cache)
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent handles HEAD, If-None-Match (304) and Range.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
