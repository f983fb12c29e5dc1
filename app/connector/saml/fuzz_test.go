package saml

import (
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/connector"
)

// FuzzParseMetadata feeds ParseMetadata arbitrary documents: it never
// panics, and every refusal is a *connector.Error in words.
func FuzzParseMetadata(f *testing.F) {
	f.Add(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></IDPSSODescriptor></EntityDescriptor>`)
	f.Add(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"></EntitiesDescriptor>`)
	f.Add(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`)
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := ParseMetadata([]byte(doc))
		if err != nil {
			if e, ok := connector.AsError(err); !ok || e.Reason == "" {
				t.Fatalf("error %v is not in words", err)
			}
			return
		}
		if d.EntityID == "" || !strings.HasPrefix(d.SSOURL, "http") || len(d.Certificates) == 0 {
			t.Fatalf("accepted incomplete metadata %+v", d)
		}
	})
}
