package samlidp

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
)

const (
	spID  = "http://sp.test/metadata"
	spACS = "http://sp.test/acs"
)

func spMetadata() []byte {
	return []byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + spID + `"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + spACS + `" index="1"/></SPSSODescriptor></EntityDescriptor>`)
}

func TestServer(t *testing.T) {
	s := New(t, WithUser(User{Email: "alice@example.com", GivenName: "Alice", Groups: []string{"IT"}}), WithUser(User{Email: "bob@example.com"}))
	if err := s.RegisterSP(spMetadata()); err != nil {
		t.Fatal(err)
	}
	t.Run("metadata", func(t *testing.T) {
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(s.Metadata(), &ed); err != nil || ed.EntityID != s.EntityID() ||
			ed.IDPSSODescriptors[0].SingleSignOnServices[0].Location != s.SSOURL() {
			t.Fatalf("%+v %v", ed, err)
		}
	})
	t.Run("IdP-initiated as the next user", func(t *testing.T) {
		s.NextUser("bob@example.com")
		defer s.NextUser("alice@example.com")
		post, err := s.InitiateLogin(context.Background(), spID, "rs")
		if err != nil {
			t.Fatal(err)
		}
		doc := string(post.XML())
		if post.ACS != spACS || post.RelayState != "rs" || !strings.Contains(doc, "bob@example.com") || strings.Contains(doc, "InResponseTo") {
			t.Fatalf("%+v\n%s", post, doc)
		}
	})
	t.Run("signing knobs", func(t *testing.T) {
		for _, tc := range []struct {
			signing             Signing
			assertion, response bool
		}{{SignAssertion, true, false}, {SignResponse, false, true}, {SignBoth, true, true}, {SignNeither, false, false}} {
			s.SetSigning(tc.signing)
			b, err := s.Response(ResponseParams{SP: spID, ACS: spACS, InResponseTo: "_r1"})
			if err != nil {
				t.Fatal(err)
			}
			d := etree.NewDocument()
			if err := d.ReadFromBytes(b); err != nil {
				t.Fatal(err)
			}
			if got := d.Root().SelectElement("Signature") != nil; got != tc.response {
				t.Errorf("signing %d: response signed %v", tc.signing, got)
			}
			if got := d.Root().SelectElement("Assertion").SelectElement("Signature") != nil; got != tc.assertion {
				t.Errorf("signing %d: assertion signed %v", tc.signing, got)
			}
		}
		s.SetSigning(SignAssertion)
	})
	t.Run("unknown SP", func(t *testing.T) {
		if _, err := s.InitiateLogin(context.Background(), "http://nobody", ""); err == nil {
			t.Fatal("unknown SP served")
		}
	})
	t.Run("rotation publishes both keys", func(t *testing.T) {
		old := s.Key()
		if err := s.RotateKey(); err != nil {
			t.Fatal(err)
		}
		meta := string(s.Metadata())
		if s.Key() == old || strings.Count(meta, "<X509Certificate") != 2 && strings.Count(meta, ":X509Certificate>") < 2 {
			t.Fatalf("metadata after rotation:\n%s", meta)
		}
	})
}
