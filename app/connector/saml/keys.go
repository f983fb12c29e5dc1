package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/orgsso/orgsso/app/connector"
)

// CodeKeyPairInvalid is the code of an SP key pair that cannot be used.
const CodeKeyPairInvalid = "saml_key_pair_invalid"

// Secret is a SAML connection's sealed secret: the SP's private keys (PEM),
// parallel to Config.SPCertificates.
type Secret struct {
	SPKeys []string `json:"spKeys"`
}

// SecretOf decodes a stored secret; "" is an empty Secret.
func SecretOf(s string) (Secret, error) {
	var sec Secret
	if strings.TrimSpace(s) == "" {
		return sec, nil
	}
	if err := json.Unmarshal([]byte(s), &sec); err != nil {
		return Secret{}, errors.New("the stored SAML secret cannot be read")
	}
	return sec, nil
}

// String encodes s for sealing.
func (s Secret) String() string {
	b, _ := json.Marshal(s) // a struct of strings always encodes
	return string(b)
}

// spKeyBits is the size of the RSA keys NewSPKeyPair makes: 3072 bits
// (NIST's size for use beyond 2030) generates in well under a second.
const spKeyBits = 3072

// minKeyBits is the smallest RSA key accepted for the SP.
const minKeyBits = 2048

// NewSPKeyPair makes a self-signed SP certificate, valid for ten years from
// now, and its RSA private key, both PEM (the key as PKCS#8).
func NewSPKeyPair(now time.Time, commonName string) (certPEM, keyPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, spKeyBits)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})), nil
}

// CheckSPKeyPair checks a pasted certificate and private key: PEM, RSA of
// at least 2048 bits (PKCS#1 or PKCS#8), and belonging together. Its error
// is a *connector.Error saying what is wrong.
func CheckSPKeyPair(certPEM, keyPEM string) error {
	cert, err := parseCertificate(certPEM)
	if err != nil {
		return connector.NewError(CodeKeyPairInvalid, "The SP certificate cannot be used: "+err.Error()+".", err)
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		return connector.NewError(CodeKeyPairInvalid, "The SP private key cannot be used: "+err.Error()+".", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return connector.NewError(CodeKeyPairInvalid, "The SP certificate does not hold an RSA key; SAML signing and encryption here need RSA.", nil)
	}
	if pub.N.BitLen() < minKeyBits {
		return connector.NewError(CodeKeyPairInvalid, fmt.Sprintf("The SP certificate's RSA key has %d bits; use at least %d.", pub.N.BitLen(), minKeyBits), nil)
	}
	if !pub.Equal(&key.PublicKey) {
		return connector.NewError(CodeKeyPairInvalid, "The private key does not belong to the certificate: paste the key that was made together with it.", nil)
	}
	return nil
}

// parsePrivateKey reads an RSA private key, PEM, PKCS#1 or PKCS#8, of at
// least minKeyBits.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("it is not PEM (-----BEGIN PRIVATE KEY-----)")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("it is not a valid PKCS#1 RSA private key")
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("it is not a valid PKCS#8 private key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("it is not an RSA key; SAML signing and encryption here need RSA")
		}
		key = rk
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("it is encrypted with a passphrase; export it without one (openssl … -nodes)")
	default:
		return nil, fmt.Errorf("it is a PEM %q block, not a private key", block.Type)
	}
	if key.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("the RSA key has %d bits; use at least %d", key.N.BitLen(), minKeyBits)
	}
	return key, nil
}

// CertInfo describes one certificate of a connection, for warnings about
// certificates about to expire.
type CertInfo struct {
	Role        string // "idp" or "sp"
	Subject     string
	NotAfter    time.Time
	Fingerprint string // SHA-256, hex with colons
}

// Certificates lists every IdP and SP certificate of c that can be read:
// the IdP's from its metadata or typed by hand, then the SP's.
func Certificates(c Config) []CertInfo {
	var out []CertInfo
	add := func(role string, cert *x509.Certificate) {
		out = append(out, CertInfo{Role: role, Subject: cert.Subject.String(), NotAfter: cert.NotAfter, Fingerprint: fingerprint(cert)})
	}
	if strings.TrimSpace(c.MetadataXML) != "" {
		if d, err := ParseMetadata([]byte(c.MetadataXML)); err == nil {
			for _, cert := range d.Certificates {
				add("idp", cert)
			}
		}
	} else {
		for _, p := range c.Certificates {
			if cert, err := parseCertificate(p); err == nil {
				add("idp", cert)
			}
		}
	}
	for _, p := range c.SPCertificates {
		if cert, err := parseCertificate(p); err == nil {
			add("sp", cert)
		}
	}
	return out
}

func fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
