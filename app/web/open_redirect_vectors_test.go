package web

// RedirectVectors are known open-redirect bypasses, as a return_to (or a
// target_link_uri) would carry them after URL decoding. The open-redirect
// table (open_redirect_test.go) sends each through every route that takes
// a return path; FuzzReturnTo starts from them.
var RedirectVectors = []string{
	// Scheme-relative and slash tricks.
	"//evil.example",
	"//evil.example/o/acme",
	"///evil.example",
	"////evil.example/",
	"/\\evil.example",
	"\\/evil.example",
	"\\\\evil.example",
	"/\\/evil.example",
	"/\\/\\evil.example",
	"/.//evil.example",
	"/..//evil.example",
	" //evil.example",
	"\t//evil.example",
	"\x00//evil.example",
	"//\uff0fevil.example",
	// Tabs and line breaks, raw and still encoded.
	"/\t/evil.example",
	"/%09/evil.example",
	"/\n/evil.example",
	"/\r\n/evil.example",
	"/%0d%0a/evil.example",
	"/\r\nLocation: https://evil.example",
	"/%0d%0aSet-Cookie:%20x=1",
	"/%0D%0ALocation:%20https://evil.example",
	// Encoded slashes and backslashes.
	"/%2f%2fevil.example",
	"/%2F%2Fevil.example",
	"%2f%2fevil.example",
	"/%5cevil.example",
	"/%5C%5Cevil.example",
	"/%252f%252fevil.example",
	// Absolute URLs and schemes.
	"https://evil.example",
	"http://evil.example/o/acme",
	"HTTPS://EVIL.EXAMPLE",
	"https:evil.example",
	"https:/evil.example",
	"http:\\\\evil.example",
	"ftp://evil.example",
	"https://sso.example.com.evil.example/",
	"evil.example",
	// Userinfo tricks.
	"/@evil.example",
	"//@evil.example",
	"//user@evil.example",
	"//user:pass@evil.example/",
	"https://sso.example.com@evil.example",
	"/o/acme@evil.example",
	// IDN look-alikes.
	"//evil\u3002example",
	"//\u0435vil.example",
	"//\uff45\uff56\uff49\uff4c.example",
	"//xn--vil-cxa.example",
	"/\u2215\u2215evil.example",
	"/\uff0f\uff0fevil.example",
	// Script and data URLs.
	"javascript:alert(1)",
	"JaVaScRiPt:alert(document.domain)",
	"java\tscript:alert(1)",
	"\x01javascript:alert(1)",
	" javascript:alert(1)",
	"javascript://%0aalert(1)",
	"data:text/html,<script>alert(1)</script>",
	"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
	"vbscript:msgbox(1)",
	// Control characters inside.
	"/\x0b/evil.example",
	"/\x7f/evil.example",
	// Control characters in the fragment, which url.Parse lets through
	// (found by FuzzReturnTo).
	"/account#\x0bhttps://evil.example",
	"/o/acme#\x01",
	"/#\x1b[2J",
}
