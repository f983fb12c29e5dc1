package saml

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/e2e/samlidp"
)

// formInput is a submitted SAML section over stored (nil for a new
// connection) with its secret.
func formInput(idp *samlidp.Server, vals connector.FormValues, stored []byte, secret string, action string) connector.FormInput {
	env := testEnv()
	env.HTTPClient = idp.Client()
	return connector.FormInput{Values: vals, Stored: stored, StoredSecret: func() (string, error) { return secret, nil },
		Action: action, Env: env, DisplayName: "Okta"}
}

func TestFormFetchesMetadataFromItsURLAndRefreshFollowsARotation(t *testing.T) {
	idp := samlidp.New(t, samlidp.WithUser(alice))
	vals := newValues(customPreset())
	vals["metadataURL"] = idp.MetadataURL()
	res := readSection(context.Background(), formInput(idp, vals, nil, "", ""))
	if len(res.Problems) > 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	cfg, err := ConfigOf(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	d, err := cfg.IdP()
	if err != nil || d.EntityID != idp.EntityID() || cfg.MetadataFetchedAt == nil {
		t.Fatalf("IdP = %+v %v, fetched at %v", d, err, cfg.MetadataFetchedAt)
	}
	// Saved again as it is, the stored metadata is kept, not fetched again;
	// asked, it is fetched, and a new certificate is told.
	if err := idp.RotateKey(); err != nil {
		t.Fatal(err)
	}
	again := readSection(context.Background(), formInput(idp, showOrFail(t, res.Config), res.Config, "", ""))
	if string(again.Config) != string(res.Config) || again.Notice != "" {
		t.Fatalf("a plain save changed the metadata: notice %q", again.Notice)
	}
	env := testEnv()
	env.HTTPClient = idp.Client()
	refreshed, change, err := refresh(context.Background(), res.Config, env)
	if err != nil || refreshed == nil || !strings.Contains(change, "changed its signing certificates") {
		t.Fatalf("refresh: %v, change %q", err, change)
	}
	if cfg, _ := ConfigOf(refreshed); !strings.Contains(cfg.MetadataXML, strings.Split(strings.TrimSpace(idp.CertificatePEM()), "\n")[2]) {
		t.Fatal("the refreshed metadata does not carry the new certificate")
	}
}

func TestFormSaysWhyMetadataCannotBeFetched(t *testing.T) {
	idp := samlidp.New(t)
	for name, url := range map[string]string{"not found": idp.URL() + "/nothing-here", "not metadata": idp.URL() + "/sso"} {
		vals := newValues(customPreset())
		vals["metadataURL"] = url
		res := readSection(context.Background(), formInput(idp, vals, nil, "", ""))
		if res.Problems["metadataURL"] == "" || res.Config != nil {
			t.Errorf("%s: problems %v", name, res.Problems)
		}
		if res.Values["metadataURL"] != url {
			t.Errorf("%s: the typed URL was not kept", name)
		}
	}
}

func TestFormMakesAddsAndRetiresKeyPairsInStepWithTheSecret(t *testing.T) {
	idp := samlidp.New(t)
	vals := newValues(customPreset())
	vals["metadataXML"] = string(idp.Metadata())
	vals["signRequests"] = "true"
	made := readSection(context.Background(), formInput(idp, vals, nil, "", ""))
	if len(made.Problems) > 0 || made.Secret == nil {
		t.Fatalf("problems %v, secret set %v", made.Problems, made.Secret != nil)
	}
	step := func(res connector.FormResult, prevSecret string, action string) (connector.FormResult, Config, Secret) {
		t.Helper()
		secret := prevSecret
		if res.Secret != nil {
			secret = *res.Secret
		}
		next := readSection(context.Background(), formInput(idp, showOrFail(t, res.Config), res.Config, secret, action))
		if len(next.Problems) > 0 {
			t.Fatalf("%s: %v", action, next.Problems)
		}
		cfg, _ := ConfigOf(next.Config)
		sec := Secret{}
		if next.Secret != nil {
			sec, _ = SecretOf(*next.Secret)
		} else {
			sec, _ = SecretOf(secret)
		}
		if len(cfg.SPCertificates) != len(sec.SPKeys) {
			t.Fatalf("%s: %d certificates, %d keys", action, len(cfg.SPCertificates), len(sec.SPKeys))
		}
		for i := range cfg.SPCertificates {
			if err := CheckSPKeyPair(cfg.SPCertificates[i], sec.SPKeys[i]); err != nil {
				t.Fatalf("%s: pair %d: %v", action, i, err)
			}
		}
		return next, cfg, sec
	}
	first, _ := ConfigOf(made.Config)
	added, cfg, sec := step(made, "", ActionAddSPKey)
	if len(cfg.SPCertificates) != 2 || cfg.SPCertificates[0] != first.SPCertificates[0] {
		t.Fatalf("after add: %d certificates, the first kept: %v", len(cfg.SPCertificates), cfg.SPCertificates[0] == first.SPCertificates[0])
	}
	_, cfg, _ = step(added, sec.String(), ActionRetireSPKey)
	if len(cfg.SPCertificates) != 1 || cfg.SPCertificates[0] == first.SPCertificates[0] {
		t.Fatalf("after retire: %d certificates; the oldest retired: %v", len(cfg.SPCertificates), cfg.SPCertificates[0] != first.SPCertificates[0])
	}
}

func TestFormRefusesAPastedKeyThatIsNotTheCertificates(t *testing.T) {
	idp := samlidp.New(t)
	pair, err := spKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := NewSPKeyPair(time.Now(), "another")
	if err != nil {
		t.Fatal(err)
	}
	vals := newValues(customPreset())
	vals["metadataXML"] = string(idp.Metadata())
	vals[fieldSPCertificate], vals[fieldSPPrivateKey] = other, pair[1]
	res := readSection(context.Background(), formInput(idp, vals, nil, "", ""))
	if res.Problems[fieldSPPrivateKey] == "" || res.Secret != nil {
		t.Fatalf("problems %v", res.Problems)
	}
	if res.Values[fieldSPCertificate] != other {
		t.Error("the pasted certificate was not kept for the form")
	}
	vals[fieldSPCertificate] = pair[0]
	ok := readSection(context.Background(), formInput(idp, vals, nil, "", ""))
	if len(ok.Problems) > 0 || ok.Secret == nil {
		t.Fatalf("a matching pair: problems %v", ok.Problems)
	}
}

func showOrFail(t *testing.T, raw []byte) connector.FormValues {
	t.Helper()
	v, err := showValues(raw, customPreset())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// customPreset is the custom SAML preset.
func customPreset() connector.Preset { return connector.CustomPreset(Name) }
