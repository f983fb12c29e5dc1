package app

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/orgsso/orgsso/app/outbound"
)

// Config is everything orgsso reads from its environment, read once at start
// and passed down through constructors.
type Config struct {
	Addr            string         // ORGSSO_ADDR
	BaseURL         string         // ORGSSO_BASE_URL, no trailing slash
	DatabaseURL     string         // ORGSSO_DATABASE_URL
	DataDir         string         // ORGSSO_DATA_DIR
	SecretKey       string         // ORGSSO_SECRET_KEY: base64 keys of 32 bytes, comma-separated, newest first; generated into DataDir when empty
	AdminEmail      string         // ORGSSO_ADMIN_EMAIL
	AdminPassword   string         // ORGSSO_ADMIN_PASSWORD
	AllowPrivateIdP bool           // ORGSSO_ALLOW_PRIVATE_IDP
	SessionIdle     time.Duration  // ORGSSO_SESSION_IDLE
	SessionMax      time.Duration  // ORGSSO_SESSION_MAX
	LogLevel        string         // ORGSSO_LOG_LEVEL
	MetricsAddr     string         // ORGSSO_METRICS_ADDR: listen address of /metrics alone; "" (from "off") serves it nowhere
	MetricsToken    string         // ORGSSO_METRICS_TOKEN: when set, /metrics is also on Addr, and wants "Authorization: Bearer <token>" everywhere
	TrustedProxies  []netip.Prefix // ORGSSO_TRUSTED_PROXIES: proxies whose X-Forwarded-For names the client
	MetadataRefresh time.Duration  // ORGSSO_METADATA_REFRESH: how often IdP metadata is fetched again from its URL; 0 never
}

// DefaultMetricsAddr is where /metrics is served unless ORGSSO_METRICS_ADDR
// says otherwise: loopback, so that only this machine can read it.
const DefaultMetricsAddr = "127.0.0.1:9090"

// ConfigFromEnv reads the ORGSSO_* variables through getenv (os.Getenv in
// production, a map in tests) and fills in the zero-setup defaults.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:          get("ORGSSO_ADDR", ":8080"),
		BaseURL:       strings.TrimRight(get("ORGSSO_BASE_URL", "http://localhost:8080"), "/"),
		DataDir:       get("ORGSSO_DATA_DIR", "./data"),
		SecretKey:     getenv("ORGSSO_SECRET_KEY"),
		AdminEmail:    strings.ToLower(get("ORGSSO_ADMIN_EMAIL", "")),
		AdminPassword: getenv("ORGSSO_ADMIN_PASSWORD"),
		LogLevel:      get("ORGSSO_LOG_LEVEL", "info"),
		MetricsAddr:   get("ORGSSO_METRICS_ADDR", DefaultMetricsAddr),
		MetricsToken:  strings.TrimSpace(getenv("ORGSSO_METRICS_TOKEN")),
	}
	if strings.EqualFold(c.MetricsAddr, "off") {
		c.MetricsAddr = ""
	}
	c.DatabaseURL = get("ORGSSO_DATABASE_URL", filepath.Join(c.DataDir, "orgsso.db"))
	var errs []error
	var err error
	if c.AllowPrivateIdP, err = strconv.ParseBool(get("ORGSSO_ALLOW_PRIVATE_IDP", "false")); err != nil {
		errs = append(errs, fmt.Errorf("ORGSSO_ALLOW_PRIVATE_IDP: %w", err))
	}
	if c.SessionIdle, err = time.ParseDuration(get("ORGSSO_SESSION_IDLE", "12h")); err != nil {
		errs = append(errs, fmt.Errorf("ORGSSO_SESSION_IDLE: %w", err))
	}
	if c.SessionMax, err = time.ParseDuration(get("ORGSSO_SESSION_MAX", "168h")); err != nil {
		errs = append(errs, fmt.Errorf("ORGSSO_SESSION_MAX: %w", err))
	}
	if c.MetadataRefresh, err = time.ParseDuration(get("ORGSSO_METADATA_REFRESH", "12h")); err != nil || c.MetadataRefresh < 0 {
		errs = append(errs, fmt.Errorf("ORGSSO_METADATA_REFRESH: give a duration such as 12h, or 0 for never"))
	}
	for _, p := range strings.FieldsFunc(getenv("ORGSSO_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("ORGSSO_TRUSTED_PROXIES: %q is not an address or CIDR range", p))
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c, c.Validate()
}

// Validate checks the combination of values: the base URL must be absolute
// and https unless it names this machine.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("ORGSSO_BASE_URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	if u.Scheme == "http" && !outbound.IsLocalhost(u.Hostname()) {
		return fmt.Errorf("ORGSSO_BASE_URL %q must use https (http is only for localhost)", c.BaseURL)
	}
	if u.Path != "" || u.RawQuery != "" {
		return fmt.Errorf("ORGSSO_BASE_URL %q must not have a path or query", c.BaseURL)
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		return errors.New("ORGSSO_ADMIN_EMAIL and ORGSSO_ADMIN_PASSWORD go together")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 10 {
		return errors.New("ORGSSO_ADMIN_PASSWORD must have at least 10 characters")
	}
	if c.SessionIdle <= 0 || c.SessionMax < c.SessionIdle {
		return errors.New("ORGSSO_SESSION_IDLE must be positive and at most ORGSSO_SESSION_MAX")
	}
	if c.MetricsAddr != "" {
		_, port, err := net.SplitHostPort(c.MetricsAddr)
		if n, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || n == 0 {
			return fmt.Errorf("ORGSSO_METRICS_ADDR %q must be host:port (such as 127.0.0.1:9090), or off", c.MetricsAddr)
		}
		if c.MetricsAddr == c.Addr {
			return fmt.Errorf("ORGSSO_METRICS_ADDR %q must differ from ORGSSO_ADDR: metrics are never on the public address "+
				"(set ORGSSO_METRICS_TOKEN to serve them there behind a bearer token)", c.MetricsAddr)
		}
	}
	if strings.ContainsAny(c.MetricsToken, " \t\r\n") {
		return errors.New("ORGSSO_METRICS_TOKEN must not contain spaces or line breaks")
	}
	return nil
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// LoadEnv is ConfigFromEnv over the process environment.
func LoadEnv() (Config, error) { return ConfigFromEnv(os.Getenv) }
