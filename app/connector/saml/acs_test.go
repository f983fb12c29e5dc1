package saml

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/e2e/samlidp"
)

func TestLogin(t *testing.T) {
	tests := []struct {
		name   string
		config func(*Config)
		idp    func(*samlidp.Server)
	}{
		{"signed assertion", nil, nil},
		{"signed requests required by the IdP", func(c *Config) { c.SignRequests = true }, func(s *samlidp.Server) { s.SetRequireSignedRequests(true) }},
		{"signed response and assertion", nil, func(s *samlidp.Server) { s.SetSigning(samlidp.SignBoth) }},
		{"signed response only, when allowed", func(c *Config) { no := false; c.RequireSignedAssertions = &no },
			func(s *samlidp.Server) { s.SetSigning(samlidp.SignResponse) }},
		{"encrypted assertion", func(c *Config) { c.EncryptAssertions = true }, func(s *samlidp.Server) { s.SetEncrypt(true) }},
		{"SHA-1 when allowed", func(c *Config) { c.AllowSHA1 = true }, func(s *samlidp.Server) { s.SetSHA1(true) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, tc.config)
			if tc.idp != nil {
				tc.idp(f.idp)
			}
			id, err := f.login(t)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if id.Subject != "alice@example.com" || id.Email != "alice@example.com" || !id.EmailVerified ||
				id.GivenName != "Alice" || id.FamilyName != "Liddell" || id.Name != "Alice Liddell" {
				t.Fatalf("identity %+v", id)
			}
			if !slices.Equal(id.Groups, []string{"IT", "Sales, EMEA"}) {
				t.Fatalf("groups %q (multi-valued, never split at commas)", id.Groups)
			}
			if id.Claims["NameID"] != "alice@example.com" || id.Claims["NameIDFormat"] != NameIDEmail ||
				id.Claims["SessionIndex"] == nil || id.Claims["department"] != "R&D" {
				t.Fatalf("claims %v", id.Claims)
			}
			req, signed := f.idp.LastRequest()
			if signed != f.cfg.SignRequests || req.AssertionConsumerServiceURL != acsURL || req.Issuer.Value != spEntityID {
				t.Fatalf("AuthnRequest signed=%v acs=%s issuer=%s", signed, req.AssertionConsumerServiceURL, req.Issuer.Value)
			}
		})
	}
}

func TestSignedRequestRequiredByIdP(t *testing.T) {
	f := setup(t, nil)
	f.idp.SetRequireSignedRequests(true)
	u, _, _ := f.begin(t)
	if _, err := f.idp.Login(context.Background(), u); err == nil || !strings.Contains(err.Error(), "requires signed") {
		t.Fatalf("unsigned request accepted: %v", err)
	}
}

func TestBeginRedirect(t *testing.T) {
	f := setup(t, func(c *Config) { c.SignRequests = true; c.NameIDFormat = NameIDPersistent })
	u, id, _ := f.begin(t)
	q, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, f.idp.SSOURL()+"?") || q.Query().Get("RelayState") != "st4te" ||
		q.Query().Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" || q.Query().Get("Signature") == "" {
		t.Fatalf("redirect %s", u)
	}
	if _, err := f.idp.Login(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	req, _ := f.idp.LastRequest()
	if req.ID != id || req.NameIDPolicy == nil || req.NameIDPolicy.Format == nil || *req.NameIDPolicy.Format != NameIDPersistent {
		t.Fatalf("request %+v", req)
	}
}

func TestOnce(t *testing.T) {
	f := setup(t, nil)
	_, reqID, pending := f.begin(t)
	now := time.Now()
	doc, err := f.idp.Response(samlidp.ResponseParams{SP: spEntityID, ACS: acsURL, InResponseTo: reqID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 { // the connector does not remember: the caller spends Once
		id, err := f.c.Finish(context.Background(), samlidp.PostXML(acsURL, doc, "").Request(), pending)
		if err != nil {
			t.Fatal(err)
		}
		if id.Once == nil || id.Once.Kind != OnceKind || !strings.HasPrefix(id.Once.ID, "_") {
			t.Fatalf("once %+v", id.Once)
		}
		if want := now.Add(5*time.Minute + DefaultClockSkew); id.Once.Until.Before(want.Add(-time.Second)) || id.Once.Until.After(want.Add(time.Second)) {
			t.Fatalf("until %v, want about %v", id.Once.Until, want)
		}
		ids = append(ids, id.Once.ID)
	}
	if ids[0] != ids[1] {
		t.Fatal("the same assertion gave two IDs")
	}
}

func TestAttributeMapping(t *testing.T) {
	f := setup(t, func(c *Config) {
		c.AttributeMapping = connector.ClaimMapping{UserID: "employeeID", Email: "mail", Name: "displayName"}
		c.GroupsAttribute = "memberOf"
	})
	f.idp.AddUser(samlidp.User{Email: "carol@example.com", NameID: "transient-123", Attributes: map[string][]string{
		"employeeID": {"E42"}, "mail": {"carol@corp.example.com"}, "displayName": {"Carol C."}, "memberOf": {"admins", "staff"},
	}})
	f.idp.NextUser("carol@example.com")
	id, err := f.login(t)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "E42" || id.Email != "carol@corp.example.com" || id.Name != "Carol C." || !slices.Equal(id.Groups, []string{"admins", "staff"}) {
		t.Fatalf("identity %+v", id)
	}
	t.Run("missing user id attribute", func(t *testing.T) {
		f.idp.NextUser("bob@example.com")
		_, err := f.login(t)
		if e := wantCode(t, err, connector.CodeMissingClaim); !strings.Contains(e.Reason, "employeeID") {
			t.Fatal(e.Reason)
		}
	})
}

func TestIdPInitiated(t *testing.T) {
	ctx := context.Background()
	t.Run("refused unless allowed", func(t *testing.T) {
		f := setup(t, nil)
		post, err := f.idp.InitiateLogin(ctx, spEntityID, "")
		if err != nil {
			t.Fatal(err)
		}
		if relayState(post.Request()) != "" {
			t.Fatal("IdP-initiated login has a state")
		}
		_, err = f.c.(connector.Unsolicited).FinishUnsolicited(ctx, post.Request())
		wantCode(t, err, CodeUnsolicitedRefused)
	})
	t.Run("allowed", func(t *testing.T) {
		f := setup(t, func(c *Config) { c.AllowIdPInitiated = true })
		post, err := f.idp.InitiateLogin(ctx, spEntityID, "")
		if err != nil {
			t.Fatal(err)
		}
		id, err := f.c.(connector.Unsolicited).FinishUnsolicited(ctx, post.Request())
		if err != nil || id.Email != "alice@example.com" || id.Once == nil {
			t.Fatalf("%+v %v", id, err)
		}
	})
	t.Run("an answer to a request is not unsolicited", func(t *testing.T) {
		f := setup(t, func(c *Config) { c.AllowIdPInitiated = true })
		r := f.post(t, samlidp.ResponseParams{SP: spEntityID, ACS: acsURL, InResponseTo: "_someone-elses-request"}, nil)
		_, err := f.c.(connector.Unsolicited).FinishUnsolicited(ctx, r)
		wantCode(t, err, CodeRequestMismatch)
	})
	t.Run("an answer to a request in the assertion only", func(t *testing.T) {
		f := setup(t, func(c *Config) { c.AllowIdPInitiated = true })
		r := f.post(t, samlidp.ResponseParams{SP: spEntityID, ACS: acsURL, Tamper: func(a *saml.Assertion) {
			a.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = "_someone-elses-request"
		}}, nil)
		_, err := f.c.(connector.Unsolicited).FinishUnsolicited(ctx, r)
		wantCode(t, err, CodeRequestMismatch)
	})
}

func TestKeyRotation(t *testing.T) {
	f := setup(t, nil)
	if err := f.idp.RotateKey(); err != nil {
		t.Fatal(err)
	}
	// The connection still has the metadata with the old key only.
	_, err := f.login(t)
	wantCode(t, err, connector.CodeSignatureInvalid)
	// Metadata with both keys (a rotation in progress) trusts either.
	f.cfg.MetadataXML = string(f.idp.Metadata())
	f.reopen(t)
	if _, err := f.login(t); err != nil {
		t.Fatal(err)
	}
}

// evil is a copy of a signed assertion that names mallory instead, without
// its signature unless keepSig.
func evil(a *etree.Element, keepSig bool) *etree.Element {
	e := a.Copy()
	e.CreateAttr("ID", "_evil")
	if !keepSig {
		if sig := child(e, nsDSig, "Signature"); sig != nil {
			e.RemoveChild(sig)
		}
	}
	e.FindElement("./Subject/NameID").SetText("mallory@example.com")
	return e
}

func withoutSig(a *etree.Element) *etree.Element {
	c := a.Copy()
	if sig := child(c, nsDSig, "Signature"); sig != nil {
		c.RemoveChild(sig)
	}
	return c
}

func object(sig *etree.Element, content *etree.Element) {
	obj := sig.CreateElement("ds:Object")
	obj.AddChild(content)
}

// TestXSW refuses the eight signature wrapping attacks of Somorovsky et
// al., "On Breaking SAML" (2012): each moves the signed element where the
// signature check still finds it and puts an element of the attacker's
// where a careless reader looks.
func TestXSW(t *testing.T) {
	replace := func(root, old, new *etree.Element) {
		i := old.Index()
		root.RemoveChildAt(i)
		root.InsertChildAt(i, new)
	}
	tests := []struct {
		name         string
		signResponse bool
		wrap         func(t *testing.T, root *etree.Element)
	}{
		{"XSW1 original response in the signature of a forged one", true, func(t *testing.T, root *etree.Element) {
			orig := root.Copy()
			root.CreateAttr("ID", "_evilresponse")
			a := assertionOf(t, root)
			replace(root, a, evil(a, false))
			object(child(root, nsDSig, "Signature"), orig)
		}},
		{"XSW2 original response beside the signature of a forged one", true, func(t *testing.T, root *etree.Element) {
			orig := root.Copy()
			root.CreateAttr("ID", "_evilresponse")
			a := assertionOf(t, root)
			replace(root, a, evil(a, false))
			sig := child(root, nsDSig, "Signature")
			root.InsertChildAt(sig.Index(), orig)
		}},
		{"XSW3 forged assertion before the signed one", false, func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			root.InsertChildAt(a.Index(), evil(a, false))
		}},
		{"XSW4 signed assertion inside a forged one", false, func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			e := evil(a, false)
			replace(root, a, e)
			e.AddChild(a)
		}},
		{"XSW5 forged assertion keeps the signature, original appended", false, func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			replace(root, a, evil(a, true))
			root.AddChild(withoutSig(a))
		}},
		{"XSW6 original assertion inside the forged one's signature", false, func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			e := evil(a, true)
			replace(root, a, e)
			object(child(e, nsDSig, "Signature"), a)
		}},
		{"XSW7 original assertion in Extensions", false, func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			ext := etree.NewElement("samlp:Extensions")
			replace(root, a, evil(a, false))
			ext.AddChild(a)
			root.InsertChildAt(2, ext)
		}},
		{"XSW8 unsigned original inside the forged one's signature", false, func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			e := evil(a, true)
			replace(root, a, e)
			object(child(e, nsDSig, "Signature"), withoutSig(a))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, func(c *Config) { no := false; c.RequireSignedAssertions = &no })
			if tc.signResponse {
				f.idp.SetSigning(samlidp.SignResponse)
			}
			id, err := f.answer(t, samlidp.ResponseParams{}, tc.wrap)
			if err == nil {
				t.Fatalf("wrapped response accepted as %s", id.Subject)
			}
			if e, _ := connector.AsError(err); e == nil || id.Subject != "" {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestRejections(t *testing.T) {
	other, err := samlidp.NewKey("attacker")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tests := []struct {
		name   string
		config func(*Config)
		idp    func(*samlidp.Server)
		params samlidp.ResponseParams
		mutate func(t *testing.T, root *etree.Element)
		code   string
		reason string // a part of the reason
	}{
		{name: "unsigned assertion in a signed response", idp: func(s *samlidp.Server) { s.SetSigning(samlidp.SignResponse) },
			code: CodeAssertionUnsigned},
		{name: "nothing signed", config: func(c *Config) { no := false; c.RequireSignedAssertions = &no },
			idp: func(s *samlidp.Server) { s.SetSigning(samlidp.SignNeither) }, code: CodeResponseInvalid},
		{name: "comment in the NameID", mutate: func(t *testing.T, root *etree.Element) {
			n := assertionOf(t, root).FindElement("./Subject/NameID")
			n.SetText("alice@example.com")
			n.CreateComment("")
			n.CreateText(".evil.example")
		}, code: CodeXMLComment},
		{name: "comment in an attribute value", mutate: func(t *testing.T, root *etree.Element) {
			v := assertionOf(t, root).FindElement("./AttributeStatement/Attribute/AttributeValue")
			v.CreateComment("x")
		}, code: CodeXMLComment},
		{name: "wrong audience", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) {
			a.Conditions.AudienceRestrictions[0].Audience.Value = "https://other-sp.example.com"
		}}, code: connector.CodeAudMismatch, reason: "other-sp"},
		{name: "no AudienceRestriction", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) {
			a.Conditions.AudienceRestrictions = nil
		}}, code: connector.CodeAudMismatch, reason: "no AudienceRestriction"},
		{name: "wrong recipient", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) {
			a.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://other-sp.example.com/acs"
		}}, code: CodeRecipientMismatch},
		{name: "wrong destination", mutate: func(t *testing.T, root *etree.Element) {
			root.CreateAttr("Destination", "https://other-sp.example.com/acs")
		}, code: CodeDestinationMismatch},
		{name: "no bearer SubjectConfirmation", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) {
			a.Subject.SubjectConfirmations[0].Method = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
		}}, code: CodeResponseInvalid, reason: "bearer"},
		{name: "no Conditions", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) { a.Conditions = nil }},
			code: CodeResponseInvalid, reason: "Conditions"},
		{name: "no Subject", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) { a.Subject = nil }},
			code: CodeResponseInvalid, reason: "Subject"},
		{name: "expired", params: samlidp.ResponseParams{Now: now.Add(-10 * time.Minute)}, code: connector.CodeTokenExpired},
		{name: "not yet valid", params: samlidp.ResponseParams{Now: now.Add(10 * time.Minute)}, code: connector.CodeTokenNotYetValid},
		{name: "not yet valid within the library's skew but beyond ours", params: samlidp.ResponseParams{Tamper: func(a *saml.Assertion) {
			a.Conditions.NotBefore = now.Add(150 * time.Second)
		}}, code: connector.CodeTokenNotYetValid},
		{name: "InResponseTo of another request", params: samlidp.ResponseParams{InResponseTo: "_another-request"}, code: CodeRequestMismatch},
		{name: "second assertion before", mutate: func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			root.InsertChildAt(a.Index(), a.Copy())
		}, code: CodeResponseInvalid, reason: "2 assertions"},
		{name: "second assertion after", mutate: func(t *testing.T, root *etree.Element) {
			root.AddChild(evil(assertionOf(t, root), true))
		}, code: CodeResponseInvalid, reason: "2 assertions"},
		{name: "second assertion in Extensions", mutate: func(t *testing.T, root *etree.Element) {
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(evil(assertionOf(t, root), true))
			root.InsertChildAt(2, ext)
		}, code: CodeResponseInvalid, reason: "2 assertions"},
		{name: "assertion not a direct child", mutate: func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			root.RemoveChild(a)
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(a)
			root.InsertChildAt(2, ext)
		}, code: CodeResponseInvalid, reason: "direct child"},
		{name: "no assertion", mutate: func(t *testing.T, root *etree.Element) { root.RemoveChild(assertionOf(t, root)) },
			code: CodeResponseInvalid, reason: "no assertion"},
		{name: "signed by another key", mutate: func(t *testing.T, root *etree.Element) {
			a := assertionOf(t, root)
			signed, err := samlidp.SignWith(other, withoutSig(a), false)
			if err != nil {
				t.Fatal(err)
			}
			i := a.Index()
			root.RemoveChildAt(i)
			root.InsertChildAt(i, signed)
		}, code: connector.CodeSignatureInvalid, reason: "does not trust"},
		{name: "changed after signing", mutate: func(t *testing.T, root *etree.Element) {
			assertionOf(t, root).FindElement("./Subject/NameID").SetText("mallory@example.com")
		}, code: connector.CodeSignatureInvalid},
		{name: "SHA-1 refused by default", idp: func(s *samlidp.Server) { s.SetSHA1(true) }, code: CodeSHA1Refused},
		{name: "plain assertion when encryption is required", config: func(c *Config) { c.EncryptAssertions = true }, code: CodeEncryptionRequired},
		{name: "failed status", idp: func(s *samlidp.Server) {
			s.FailNextLogin("urn:oasis:names:tc:SAML:2.0:status:AuthnFailed", "User is not assigned to this application")
		}, code: connector.CodeIdPError, reason: "Responder / AuthnFailed): “User is not assigned to this application”"},
		{name: "DTD", mutate: nil, code: CodeResponseInvalid, reason: "DTD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, tc.config)
			if tc.idp != nil {
				tc.idp(f.idp)
			}
			var id connector.Identity
			var err error
			if tc.reason == "DTD" {
				_, reqID, pending := f.begin(t)
				doc, _ := f.idp.Response(samlidp.ResponseParams{SP: spEntityID, ACS: acsURL, InResponseTo: reqID})
				doc = []byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` +
					strings.TrimPrefix(string(doc), `<?xml version="1.0" encoding="UTF-8"?>`))
				id, err = f.c.Finish(context.Background(), samlidp.PostXML(acsURL, doc, "").Request(), pending)
			} else {
				id, err = f.answer(t, tc.params, tc.mutate)
			}
			e := wantCode(t, err, tc.code)
			if !strings.Contains(e.Reason, tc.reason) {
				t.Fatalf("reason %q does not say %q", e.Reason, tc.reason)
			}
			if id.Subject != "" {
				t.Fatal("identity returned with an error")
			}
		})
	}
}

func TestWrongIssuer(t *testing.T) {
	f := setup(t, nil)
	another := samlidp.New(t, samlidp.WithUser(alice))
	meta, _ := spMetadata(f.cfg, spEntityID, acsURL)
	if err := another.RegisterSP(meta); err != nil {
		t.Fatal(err)
	}
	_, reqID, pending := f.begin(t)
	doc, err := another.Response(samlidp.ResponseParams{SP: spEntityID, ACS: acsURL, InResponseTo: reqID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.c.Finish(context.Background(), samlidp.PostXML(acsURL, doc, "").Request(), pending)
	wantCode(t, err, connector.CodeIssuerMismatch)
}

func TestOversizeBody(t *testing.T) {
	f := setup(t, nil)
	_, _, pending := f.begin(t)
	big := "SAMLResponse=" + strings.Repeat("A", maxFormBytes+1)
	for _, chunked := range []bool{false, true} {
		r := httptest.NewRequest(http.MethodPost, acsURL, strings.NewReader(big))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if chunked {
			r.ContentLength = -1
		}
		_, err := f.c.Finish(context.Background(), r, pending)
		if e := wantCode(t, err, CodeResponseInvalid); !strings.Contains(e.Reason, "larger than 256 KiB") {
			t.Fatal(e.Reason)
		}
	}
	t.Run("not base64", func(t *testing.T) {
		r := samlidp.Post{ACS: acsURL, SAMLResponse: "%%%"}.Request()
		wantCode(t, func() error { _, err := f.c.Finish(context.Background(), r, pending); return err }(), CodeResponseInvalid)
	})
	t.Run("not a response", func(t *testing.T) {
		r := samlidp.Post{ACS: acsURL, SAMLResponse: base64.StdEncoding.EncodeToString([]byte("<a/>"))}.Request()
		_, err := f.c.Finish(context.Background(), r, pending)
		wantCode(t, err, CodeResponseInvalid)
	})
	t.Run("bad pending state", func(t *testing.T) {
		_, err := f.c.Finish(context.Background(), samlidp.Post{ACS: acsURL}.Request(), []byte("{}"))
		wantCode(t, err, connector.CodeStateInvalid)
	})
}

// TestCommentInEncryptedAssertion refuses a comment that only the
// decrypted assertion shows, where crewjam/saml checks its signature.
func TestCommentInEncryptedAssertion(t *testing.T) {
	f := setup(t, func(c *Config) { c.EncryptAssertions = true })
	f.idp.SetEncrypt(true)
	_, err := f.answer(t, samlidp.ResponseParams{TamperSigned: func(a *etree.Element) {
		n := a.FindElement("./Subject/NameID")
		n.CreateComment("")
		n.CreateText(".evil.example")
	}}, nil)
	wantCode(t, err, CodeXMLComment)
}
