// Package names normalises display names people pick (connection names,
// organization names), so that two names that look the same are the same:
// Clean refuses what cannot be seen or passes for another letter, and Key
// is what uniqueness is decided on.
//
// A name is put in Unicode NFKC form (a decomposed "é" becomes the
// composed one, a non-breaking or ideographic space a space, full-width
// letters plain ones), its runs of white space become one ASCII space and
// it is trimmed. Invisible characters (controls, format characters such as
// zero-width spaces and bidi controls, and other default-ignorable ones)
// and names mixing Latin, Cyrillic and Greek letters are refused: "Cаse"
// with a Cyrillic "а" would look like "Case" on a login button.
//
// The key is the cleaned name case-folded (full Unicode folding, so "Straße"
// and "STRASSE" collide), and NFKC again. The database cannot compute it
// (LOWER() knows neither NFKC nor full folding), so it is stored beside the
// name and the unique index is on the key.
package names

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Error is why a name was refused, in words for the person who typed it.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// Clean returns name normalised, or an *Error saying why it cannot be
// used. An empty result (a name of only spaces) is not an error: callers
// say "enter a name" themselves.
func Clean(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", &Error{"This name has bytes that are not text; type it again."}
	}
	n := norm.NFKC.String(name)
	for _, r := range n {
		if unicode.IsSpace(r) {
			continue
		}
		if invisible(r) {
			return "", &Error{fmt.Sprintf("This name has an invisible character (U+%04X); type it without it.", r)}
		}
	}
	n = collapse(n)
	if msg := mixedScripts(n); msg != "" {
		return "", &Error{msg}
	}
	return n, nil
}

// Key is the form of name that uniqueness is decided on. It never fails:
// for a name Clean refuses (one stored before names were cleaned) the
// invisible characters are left out, so it collides with its look-alike.
func Key(name string) string {
	n := norm.NFKC.String(strings.ToValidUTF8(name, "\uFFFD"))
	n = strings.Map(func(r rune) rune {
		if !unicode.IsSpace(r) && (invisible(r) || variationSelector(r)) {
			return -1
		}
		return r
	}, n)
	n = collapse(n)
	return norm.NFKC.String(cases.Fold().String(n))
}

// Equal reports whether two names are the same name.
func Equal(a, b string) bool { return Key(a) == Key(b) }

// collapse turns every run of white space into one ASCII space and trims
// the ends.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// invisible reports whether r is not seen, or not seen as itself: control
// and format characters (zero-width space and joiners, bidi controls, the
// byte order mark, soft hyphen), private-use, surrogate and unassigned code
// points, and the default-ignorable letters and marks that render as
// nothing (Hangul fillers, the combining grapheme joiner, Khmer inherent
// vowels, the Braille blank). Variation selectors are allowed (emoji use
// them) but left out of the key.
func invisible(r rune) bool {
	switch {
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs):
		return true
	case r == utf8.RuneError:
		return true
	case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z):
		return true // unassigned
	}
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0:
		return true
	}
	return false
}

func variationSelector(r rune) bool {
	return (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF) || (r >= 0x180B && r <= 0x180D) || r == 0x180F
}

// lookAlike are the scripts whose letters pass for each other's.
var lookAlike = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin},
	{"Cyrillic", unicode.Cyrillic},
	{"Greek", unicode.Greek},
}

// mixedScripts says why a name mixing letters of the look-alike scripts is
// refused, or "".
func mixedScripts(s string) string {
	first := -1
	var firstLetter rune
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for i, sc := range lookAlike {
			if !unicode.Is(sc.table, r) {
				continue
			}
			switch {
			case first < 0:
				first, firstLetter = i, r
			case first != i:
				return fmt.Sprintf("This name mixes %s and %s letters (“%c” is %s, “%c” is %s), so it can pass for another name; type it in one alphabet.",
					lookAlike[first].name, sc.name, firstLetter, lookAlike[first].name, r, sc.name)
			}
		}
	}
	return ""
}
