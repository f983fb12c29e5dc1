package names_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/models/names"
)

func TestCleanNormalises(t *testing.T) {
	for in, want := range map[string]string{
		"  Case   Race ":      "Case Race",
		"Case\u00a0Race":      "Case Race", // non-breaking space
		"Case\u3000\tRace\n":  "Case Race", // ideographic space, tab, new line
		"Case\u202fRace":      "Case Race", // narrow no-break space
		"Cafe\u0301":          "Caf\u00e9", // combining accent composed
		"\uff23\uff41\uff53e": "Case",      // full-width letters
		"Acme ❤️":             "Acme ❤️",   // emoji with a variation selector
		"Сергей и партнёры":   "Сергей и партнёры",
		"Ωμέγα 2 \u2126":      "Ωμέγα 2 Ω", // U+2126 OHM SIGN is Greek Omega under NFKC
		"Okta (prod) – EU #1": "Okta (prod) – EU #1",
		"":                    "",
	} {
		got, err := names.Clean(in)
		if err != nil || got != want {
			t.Errorf("Clean(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestCleanRefusesInvisibleAndMixedScripts(t *testing.T) {
	for _, in := range []string{
		"Case\u200bRace",       // zero-width space
		"Case\u200dRace",       // zero-width joiner
		"\ufeffCase Race",      // byte order mark
		"Case Race\u202e",      // right-to-left override
		"Case\u2066Race\u2069", // bidi isolates
		"Case\u00adRace",       // soft hyphen
		"Case\x00Race",         // NUL
		"Case\x7fRace",         // DEL
		"Case\u3164Race",       // Hangul filler
		"Case\u034fRace",       // combining grapheme joiner
		"Case\ue000Race",       // private use
		"Case\xffRace",         // not UTF-8
		"C\u0430se Race",       // Cyrillic а among Latin letters
		"Case Rac\u0435",       // Cyrillic е
		"Case R\u03b1ce",       // Greek α
		"\u0421\u0430se",       // Cyrillic С and а, then Latin
	} {
		got, err := names.Clean(in)
		var nerr *names.Error
		if !errors.As(err, &nerr) || nerr.Error() == "" {
			t.Errorf("Clean(%q) = %q, %v; want refused", in, got, err)
		}
	}
	_, err := names.Clean("Case Rac\u0435")
	if err == nil || !strings.Contains(err.Error(), "Latin and Cyrillic") {
		t.Errorf("mixed-script message = %v; want it to name Latin and Cyrillic", err)
	}
	_, err = names.Clean("Case\u200bRace")
	if err == nil || !strings.Contains(err.Error(), "U+200B") {
		t.Errorf("invisible message = %v; want it to name U+200B", err)
	}
}

func TestKeyCollidesLookAlikes(t *testing.T) {
	base := names.Key("Case Race")
	for _, in := range []string{
		"case race", "CASE RACE", "Case race", " Case  Race ",
		"Case\u00a0Race", "Case\u2003Race", "Case \u200bRace" /* as stored before cleaning */, "\uff23ase Race",
	} {
		if got := names.Key(in); got != base {
			t.Errorf("Key(%q) = %q; want %q", in, got, base)
		}
	}
	if names.Key("Cafe\u0301") != names.Key("CAFÉ") {
		t.Error("a combining accent and a composed capital do not collide")
	}
	if names.Key("Straße") != names.Key("STRASSE") {
		t.Error("full case folding: Straße and STRASSE do not collide")
	}
	if names.Key("Acme ❤️") != names.Key("acme ❤") {
		t.Error("a variation selector makes a name distinct")
	}
	for _, other := range []string{"Case Races", "Cafe", "Case-Race"} {
		if names.Equal("Case Race", other) || names.Equal("Café", other) {
			t.Errorf("%q collides; it is another name", other)
		}
	}
}
