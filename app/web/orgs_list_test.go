package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// listedOrgs are the slugs of the org rows on a page of /admin/orgs, in
// order.
func listedOrgs(p *page) []string {
	var out []string
	p.doc.Find(`[data-testid^="org-row-"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-testid")
		out = append(out, strings.TrimPrefix(id, "org-row-"))
	})
	return out
}

func TestAdminOrgsPagesAndSearch(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t)
	ctx := context.Background()
	type org struct{ slug, name string }
	var all []org
	add := func(slug, name string) {
		if _, err := f.e.store.CreateOrganization(ctx, slug, name); err != nil {
			t.Fatal(err)
		}
		all = append(all, org{slug, name})
	}
	// 120 orgs, created out of name order; 60 of them "Beta …" (in two
	// cases); two names shared by two orgs each, so that the order needs
	// the id too.
	for i := range 60 {
		beta := "Beta"
		if i%3 == 0 {
			beta = "beta"
		}
		add(fmt.Sprintf("zeta-%03d", i), fmt.Sprintf("%s team %03d", beta, 59-i))
		add(fmt.Sprintf("alpha-%03d", i), fmt.Sprintf("Alpha %03d", (i*7)%60))
	}
	add("twin-1", "Twin")
	add("twin-2", "Twin")
	add("beta", "Gamma")           // found by its slug "beta" only
	add("has-beta", "The beta co") // "beta" is in its name and slug, but starts neither
	byName := slices.Clone(all)
	// By name in any case, then by id (ids rise in creation order).
	sort.SliceStable(byName, func(i, j int) bool { return strings.ToLower(byName[i].name) < strings.ToLower(byName[j].name) })
	slugs := func(os []org) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.slug)
		}
		return out
	}

	t.Run("pages of 50 by name, each org once", func(t *testing.T) {
		c := f.c
		var seen []string
		path := "/admin/orgs"
		for n := 1; ; n++ {
			p := c.get(path)
			assertStatus(t, p, http.StatusOK)
			got := listedOrgs(p)
			if len(got) > 50 {
				t.Fatalf("page %d lists %d orgs, want at most 50", n, len(got))
			}
			if (n == 1) == p.has("orgs-first") {
				t.Errorf("page %d: first-page link shown = %v", n, p.has("orgs-first"))
			}
			seen = append(seen, got...)
			next, ok := p.testid("orgs-next").Attr("href")
			if !ok {
				if len(got) == 50 && len(seen) < len(all) {
					t.Fatalf("page %d is full but has no next link", n)
				}
				break
			}
			path = next
			if n > 10 {
				t.Fatal("too many pages")
			}
		}
		if want := slugs(byName); !slices.Equal(seen, want) {
			t.Errorf("listed %v\nwant   %v", seen, want)
		}
	})

	t.Run("search by the start of a name in any case, and by slug, paged", func(t *testing.T) {
		p := f.c.get("/admin/orgs?q=BETA")
		assertStatus(t, p, http.StatusOK)
		want := []string{"beta"} // the slug's org first
		for _, o := range byName {
			if strings.HasPrefix(strings.ToLower(o.name), "beta") {
				want = append(want, o.slug)
			}
		}
		got := listedOrgs(p)
		next, ok := p.testid("orgs-next").Attr("href")
		if !ok || !strings.Contains(next, "q=BETA") {
			t.Fatalf("61 matches, but next link %q (%v) does not keep the search", next, ok)
		}
		p = f.c.get(next)
		got = append(got, listedOrgs(p)...)
		if p.has("orgs-next") {
			t.Error("a next link after the last match")
		}
		if !slices.Equal(got, want) {
			t.Errorf("search listed %v\nwant          %v", got, want)
		}
		if v, _ := p.doc.Find(`[data-testid="orgs-search"] input[name="q"]`).Attr("value"); v != "BETA" {
			t.Errorf("search box holds %q", v)
		}
	})

	t.Run("search with no match", func(t *testing.T) {
		p := f.c.get("/admin/orgs?q=nothing-like-this")
		assertStatus(t, p, http.StatusOK)
		if got := listedOrgs(p); len(got) != 0 || !p.has("orgs-empty") {
			t.Errorf("listed %v, empty notice %v", got, p.has("orgs-empty"))
		}
	})

	t.Run("wildcards are literal", func(t *testing.T) {
		p := f.c.get("/admin/orgs?q=%25")
		if got := listedOrgs(p); len(got) != 0 {
			t.Errorf("%% matched %v", got)
		}
	})

	t.Run("a cursor of a deleted or unknown org starts over", func(t *testing.T) {
		for _, after := range []string{"999999", "x", "-5"} {
			p := f.c.get("/admin/orgs?after=" + after)
			assertStatus(t, p, http.StatusOK)
			if got, want := listedOrgs(p), slugs(byName[:50]); !slices.Equal(got, want) {
				t.Errorf("after=%s listed %v", after, got)
			}
		}
	})
}
