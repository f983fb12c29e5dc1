package main

// Tests for the deployment files: docker-compose.yml (loaded with compose-go,
// as docker compose would), deploy/dex/config.yaml, Dockerfile, .dockerignore
// and .env.example. There is no Docker engine in CI; these tests are what
// proves the files. They use only their own helpers, nothing from main.go.

import (
	"bufio"
	"context"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"
)

const (
	deployComposeFile   = "docker-compose.yml"
	deployDexConfigFile = "deploy/dex/config.yaml"
	deployEnvExample    = ".env.example"

	// The password of the demo users, as documented in deploy/dex/config.yaml.
	deployDexDemoPassword = "demo-password"
)

// composeTestEnv returns values for every variable docker-compose.yml needs.
// The secrets are distinctive so that a test can tell that they came from
// the environment and appear nowhere in the file itself.
func composeTestEnv() map[string]string {
	return map[string]string{
		"ORGSSO_SECRET_KEY":      "test-secret-key-7f3a9c1e5b",
		"ORGSSO_ADMIN_EMAIL":     "admin@example.test",
		"ORGSSO_ADMIN_PASSWORD":  "test-admin-password-2d8e4f",
		"POSTGRES_PASSWORD":      "testpostgrespassword91c6a0",
		"DEX_DEMO_CLIENT_SECRET": "test-dex-client-secret-5b0e",
	}
}

// requiredComposeVars are the variables compose must refuse to run without.
var requiredComposeVars = []string{
	"ORGSSO_SECRET_KEY",
	"ORGSSO_ADMIN_EMAIL",
	"ORGSSO_ADMIN_PASSWORD",
	"POSTGRES_PASSWORD",
}

// loadComposeProject loads docker-compose.yml the way `docker compose` does,
// with interpolation from env only (never from the OS environment or a local
// .env, so a developer's own settings cannot change the result).
func loadComposeProject(t *testing.T, env map[string]string, profiles ...string) (*types.Project, error) {
	t.Helper()
	envList := make([]string, 0, len(env))
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	opts, err := cli.NewProjectOptions(
		[]string{deployComposeFile},
		cli.WithWorkingDirectory("."),
		cli.WithName("orgsso"),
		cli.WithEnv(envList),
		cli.WithProfiles(profiles),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	return opts.LoadProject(context.Background())
}

func mustLoadComposeProject(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	p, err := loadComposeProject(t, composeTestEnv(), profiles...)
	if err != nil {
		t.Fatalf("load %s with profiles %v: %v", deployComposeFile, profiles, err)
	}
	return p
}

func composeService(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %q: %v", name, err)
	}
	return s
}

func composeServiceEnv(t *testing.T, s types.ServiceConfig, key string) string {
	t.Helper()
	v, ok := s.Environment[key]
	if !ok || v == nil {
		t.Fatalf("service %s: environment %s is not set", s.Name, key)
	}
	return *v
}

func TestComposeDefaultProfileServices(t *testing.T) {
	p := mustLoadComposeProject(t)
	got := p.ServiceNames()
	sort.Strings(got)
	if want := []string{"orgsso", "postgres"}; !slices.Equal(got, want) {
		t.Fatalf("default profile services = %v, want %v", got, want)
	}
	if _, ok := p.DisabledServices["dex"]; !ok {
		t.Errorf("dex must exist but be disabled without the demo profile; disabled = %v", p.DisabledServiceNames())
	}
}

func TestComposeDemoProfileAddsDex(t *testing.T) {
	p := mustLoadComposeProject(t, "demo")
	got := p.ServiceNames()
	sort.Strings(got)
	if want := []string{"dex", "orgsso", "postgres"}; !slices.Equal(got, want) {
		t.Fatalf("demo profile services = %v, want %v", got, want)
	}
	dex := composeService(t, p, "dex")
	if !slices.Equal(dex.Profiles, []string{"demo"}) {
		t.Errorf("dex profiles = %v, want [demo]", dex.Profiles)
	}
	// Pinned: a tag, not latest, from Dex's own registry.
	if !regexp.MustCompile(`^ghcr\.io/dexidp/dex:v\d+\.\d+\.\d+`).MatchString(dex.Image) {
		t.Errorf("dex image %q must be ghcr.io/dexidp/dex pinned to a vX.Y.Z tag", dex.Image)
	}
	// orgsso and postgres must not need the demo profile.
	for _, name := range []string{"orgsso", "postgres"} {
		if s := composeService(t, p, name); len(s.Profiles) != 0 {
			t.Errorf("%s has profiles %v, want none", name, s.Profiles)
		}
	}

	var mounted bool
	for _, v := range dex.Volumes {
		if v.Type == types.VolumeTypeBind && strings.HasSuffix(v.Source, deployDexConfigFile) && v.Target == "/etc/dex/config.yaml" {
			mounted = true
			if !v.ReadOnly {
				t.Errorf("dex config mount must be read-only")
			}
		}
	}
	if !mounted {
		t.Errorf("dex must mount %s at /etc/dex/config.yaml; volumes = %+v", deployDexConfigFile, dex.Volumes)
	}
	if !slices.Contains(strings.Fields(strings.Join(dex.Command, " ")), "/etc/dex/config.yaml") {
		t.Errorf("dex command %q must serve /etc/dex/config.yaml", dex.Command)
	}
	if got := composeServiceEnv(t, dex, "DEX_DEMO_CLIENT_SECRET"); got != composeTestEnv()["DEX_DEMO_CLIENT_SECRET"] {
		t.Errorf("dex DEX_DEMO_CLIENT_SECRET = %q, want the value from the environment", got)
	}
}

func TestComposeRequiresSecrets(t *testing.T) {
	for _, name := range requiredComposeVars {
		t.Run(name, func(t *testing.T) {
			for _, value := range []string{"unset", ""} {
				env := composeTestEnv()
				if value == "unset" {
					delete(env, name)
				} else {
					env[name] = value
				}
				_, err := loadComposeProject(t, env)
				if err == nil {
					t.Fatalf("loading with %s %s succeeded, want an error", name, value)
				}
				// The ${VAR:?message} form names the variable and says where to set it.
				if msg := err.Error(); !strings.Contains(msg, name) || !strings.Contains(msg, "must be set in .env") {
					t.Errorf("error for %s %q = %q, want it to name the variable and .env", name, value, msg)
				}
			}
		})
	}
}

func TestComposeEnvExampleLeavesSecretsToTheUser(t *testing.T) {
	// A plain copy of .env.example must not start: the secrets are blank on
	// purpose, so nobody runs with a published placeholder.
	env := readDeployEnvFile(t, deployEnvExample)
	_, err := loadComposeProject(t, env)
	if err == nil {
		t.Fatalf("compose loaded with %s as is; its secrets must be blank so that compose refuses", deployEnvExample)
	}
	if !strings.Contains(err.Error(), "must be set in .env") {
		t.Errorf("error = %q, want the required-variable message", err)
	}
	for _, name := range append(slices.Clone(requiredComposeVars), "DEX_DEMO_CLIENT_SECRET") {
		if name == "ORGSSO_ADMIN_EMAIL" {
			continue // an address is not a secret; a placeholder is fine
		}
		if v, ok := env[name]; !ok {
			t.Errorf("%s lacks %s", deployEnvExample, name)
		} else if v != "" {
			t.Errorf("%s: %s = %q, want it blank (a placeholder secret would be used as is)", deployEnvExample, name, v)
		}
	}
	if !strings.Contains(readDeployFile(t, deployEnvExample), "openssl rand -base64 32") {
		t.Errorf("%s must say how to generate ORGSSO_SECRET_KEY (openssl rand -base64 32)", deployEnvExample)
	}
}

func TestComposeEnvExampleListsEveryVariable(t *testing.T) {
	env := readDeployEnvFile(t, deployEnvExample)
	var compose strings.Builder
	for _, line := range strings.Split(readDeployFile(t, deployComposeFile), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			compose.WriteString(line + "\n")
		}
	}
	// Every ${VAR...} that compose interpolates ($${...} is escaped, not interpolated).
	ref := regexp.MustCompile(`(^|[^$])\$\{([A-Z_][A-Z0-9_]*)`)
	var missing []string
	for _, m := range ref.FindAllStringSubmatch(compose.String(), -1) {
		if _, ok := env[m[2]]; !ok && !slices.Contains(missing, m[2]) {
			missing = append(missing, m[2])
		}
	}
	// And every setting of the app (DESIGN.md, Configuration); the database
	// URL may be a commented example, as compose builds it.
	text := readDeployFile(t, deployEnvExample)
	for _, name := range []string{
		"ORGSSO_ADDR", "ORGSSO_BASE_URL", "ORGSSO_DATABASE_URL", "ORGSSO_DATA_DIR", "ORGSSO_SECRET_KEY",
		"ORGSSO_ADMIN_EMAIL", "ORGSSO_ADMIN_PASSWORD", "ORGSSO_ALLOW_PRIVATE_IDP",
		"ORGSSO_SESSION_IDLE", "ORGSSO_SESSION_MAX", "ORGSSO_LOG_LEVEL", "ORGSSO_METRICS_ADDR",
	} {
		if !strings.Contains(text, name+"=") && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s does not list %v", deployEnvExample, missing)
	}
}

func TestComposeOrgssoService(t *testing.T) {
	p := mustLoadComposeProject(t)
	s := composeService(t, p, "orgsso")

	if s.Build == nil || s.Build.Context == "" {
		t.Errorf("orgsso must be built from the repository (build: .)")
	}
	if s.Image != "orgsso:local" {
		t.Errorf("orgsso image = %q, want orgsso:local", s.Image)
	}
	if s.Restart != types.RestartPolicyUnlessStopped {
		t.Errorf("orgsso restart = %q, want unless-stopped", s.Restart)
	}

	dep, ok := s.DependsOn["postgres"]
	if !ok {
		t.Fatalf("orgsso must depend on postgres; depends_on = %v", s.DependsOn)
	}
	if dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("orgsso depends on postgres with condition %q, want %q", dep.Condition, types.ServiceConditionHealthy)
	}

	if s.HealthCheck == nil || s.HealthCheck.Disable {
		t.Fatalf("orgsso needs a healthcheck")
	}
	if test := s.HealthCheck.Test; len(test) < 3 || test[0] != "CMD" || !strings.HasSuffix(test[1], "orgsso") || test[2] != "healthcheck" {
		t.Errorf("orgsso healthcheck test = %q, want [CMD orgsso healthcheck]", test)
	}

	var published bool
	for _, port := range s.Ports {
		if port.Target == 8080 && port.Published == "8080" {
			published = true
		}
	}
	if !published {
		t.Errorf("orgsso must publish 8080:8080; ports = %+v", s.Ports)
	}
	for _, port := range s.Ports {
		if port.Target != 8080 {
			t.Errorf("orgsso publishes %+v; only 8080 (metrics stay off the host)", port)
		}
	}

	if !deployHasNamedVolume(p, s, "/data") {
		t.Errorf("orgsso needs a named volume at /data; volumes = %+v", s.Volumes)
	}

	want := map[string]string{
		"ORGSSO_ADDR":           ":8080",
		"ORGSSO_DATA_DIR":       "/data",
		"ORGSSO_BASE_URL":       "http://localhost:8080",
		"ORGSSO_SECRET_KEY":     composeTestEnv()["ORGSSO_SECRET_KEY"],
		"ORGSSO_ADMIN_EMAIL":    composeTestEnv()["ORGSSO_ADMIN_EMAIL"],
		"ORGSSO_ADMIN_PASSWORD": composeTestEnv()["ORGSSO_ADMIN_PASSWORD"],
		// Off unless the operator opts in (the demo does, in .env).
		"ORGSSO_ALLOW_PRIVATE_IDP": "false",
		// Metrics on loopback inside the container, never the public address.
		"ORGSSO_METRICS_ADDR": "127.0.0.1:9090",
	}
	for k, v := range want {
		if got := composeServiceEnv(t, s, k); got != v {
			t.Errorf("orgsso %s = %q, want %q", k, got, v)
		}
	}

	dbURL := composeServiceEnv(t, s, "ORGSSO_DATABASE_URL")
	if !strings.HasPrefix(dbURL, "postgres://") {
		t.Fatalf("ORGSSO_DATABASE_URL = %q, want a postgres:// URL", dbURL)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("ORGSSO_DATABASE_URL does not parse: %v", err)
	}
	if u.Hostname() != "postgres" {
		t.Errorf("ORGSSO_DATABASE_URL host = %q, want the postgres service", u.Hostname())
	}
	pg := composeService(t, p, "postgres")
	if pw, _ := u.User.Password(); pw != composeServiceEnv(t, pg, "POSTGRES_PASSWORD") || pw != composeTestEnv()["POSTGRES_PASSWORD"] {
		t.Errorf("ORGSSO_DATABASE_URL password does not match POSTGRES_PASSWORD from the environment")
	}
	if u.User.Username() != composeServiceEnv(t, pg, "POSTGRES_USER") {
		t.Errorf("ORGSSO_DATABASE_URL user %q != POSTGRES_USER %q", u.User.Username(), composeServiceEnv(t, pg, "POSTGRES_USER"))
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != composeServiceEnv(t, pg, "POSTGRES_DB") {
		t.Errorf("ORGSSO_DATABASE_URL database %q != POSTGRES_DB %q", db, composeServiceEnv(t, pg, "POSTGRES_DB"))
	}
	if u.Query().Get("sslmode") != "disable" {
		t.Errorf("ORGSSO_DATABASE_URL must set sslmode=disable for the compose-internal postgres")
	}
}

func TestComposePostgresService(t *testing.T) {
	p := mustLoadComposeProject(t)
	s := composeService(t, p, "postgres")
	if !regexp.MustCompile(`^postgres:(16|17)(\.\d+)*-alpine$`).MatchString(s.Image) {
		t.Errorf("postgres image = %q, want postgres:16-alpine or 17-alpine", s.Image)
	}
	if s.HealthCheck == nil || s.HealthCheck.Disable {
		t.Fatalf("postgres needs a healthcheck")
	}
	if test := strings.Join(s.HealthCheck.Test, " "); !strings.Contains(test, "pg_isready") {
		t.Errorf("postgres healthcheck = %q, want pg_isready", test)
	}
	if !deployHasNamedVolume(p, s, "/var/lib/postgresql/data") {
		t.Errorf("postgres needs a named volume at /var/lib/postgresql/data; volumes = %+v", s.Volumes)
	}
	if got := composeServiceEnv(t, s, "POSTGRES_PASSWORD"); got != composeTestEnv()["POSTGRES_PASSWORD"] {
		t.Errorf("POSTGRES_PASSWORD = %q, want the value from the environment", got)
	}
	if len(s.Ports) != 0 {
		t.Errorf("postgres must not be published on the host; ports = %+v", s.Ports)
	}
}

func deployHasNamedVolume(p *types.Project, s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeVolume || v.Target != target {
			continue
		}
		if _, ok := p.Volumes[v.Source]; ok {
			return true
		}
	}
	return false
}

// TestComposeNoLiteralSecrets reads the file itself, before interpolation:
// every secret-looking setting must be a variable reference, and none of the
// test secrets may appear literally.
func TestComposeNoLiteralSecrets(t *testing.T) {
	text := readDeployFile(t, deployComposeFile)
	for k, v := range composeTestEnv() {
		if strings.Contains(text, v) {
			t.Errorf("%s contains the literal value of %s", deployComposeFile, k)
		}
	}

	var raw struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(text), &raw); err != nil {
		t.Fatalf("parse %s (environment must be a mapping): %v", deployComposeFile, err)
	}
	secretName := regexp.MustCompile(`(?i)(SECRET|PASSWORD|PASSWD|TOKEN|_KEY$)`)
	reference := regexp.MustCompile(`^\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}$`)
	checked := 0
	for svc, s := range raw.Services {
		for k, v := range s.Environment {
			if !secretName.MatchString(k) {
				continue
			}
			checked++
			if !reference.MatchString(v) {
				t.Errorf("%s: environment %s = %q, want only a ${VAR} reference", svc, k, v)
			}
			if strings.Contains(v, ":-") && !strings.HasSuffix(v, ":-}") {
				t.Errorf("%s: environment %s = %q has a default value; secrets may not have one", svc, k, v)
			}
		}
		if dsn, ok := s.Environment["ORGSSO_DATABASE_URL"]; ok {
			if !strings.Contains(dsn, ":${POSTGRES_PASSWORD:?") {
				t.Errorf("%s: ORGSSO_DATABASE_URL must take its password from ${POSTGRES_PASSWORD:?...}: %q", svc, dsn)
			}
		}
	}
	if checked < 5 {
		t.Errorf("found only %d secret settings in %s; the check is not looking where it should", checked, deployComposeFile)
	}
}

type deployDexClient struct {
	ID           string   `yaml:"id"`
	Name         string   `yaml:"name"`
	Secret       string   `yaml:"secret"`
	SecretEnv    string   `yaml:"secretEnv"`
	RedirectURIs []string `yaml:"redirectURIs"`
}

// deployDexConfig is the part of Dex's configuration these tests read.
type deployDexConfig struct {
	Issuer  string `yaml:"issuer"`
	Storage struct {
		Type string `yaml:"type"`
	} `yaml:"storage"`
	Web struct {
		HTTP string `yaml:"http"`
	} `yaml:"web"`
	StaticClients    []deployDexClient `yaml:"staticClients"`
	EnablePasswordDB bool              `yaml:"enablePasswordDB"`
	StaticPasswords  []struct {
		Email    string   `yaml:"email"`
		Hash     string   `yaml:"hash"`
		Username string   `yaml:"username"`
		UserID   string   `yaml:"userID"`
		Groups   []string `yaml:"groups"`
	} `yaml:"staticPasswords"`
}

func loadDeployDexConfig(t *testing.T) deployDexConfig {
	t.Helper()
	var c deployDexConfig
	dec := yaml.NewDecoder(strings.NewReader(readDeployFile(t, deployDexConfigFile)))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("parse %s: %v", deployDexConfigFile, err)
	}
	return c
}

func TestDexConfigStaticClient(t *testing.T) {
	c := loadDeployDexConfig(t)
	p := mustLoadComposeProject(t, "demo")
	base := composeServiceEnv(t, composeService(t, p, "orgsso"), "ORGSSO_BASE_URL")
	callback := regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/o/[a-z0-9-]+/oidc/callback$`)

	if len(c.StaticClients) == 0 {
		t.Fatalf("%s has no staticClients", deployDexConfigFile)
	}
	dexEnv := composeService(t, p, "dex").Environment
	for _, cl := range c.StaticClients {
		if cl.ID == "" || cl.Name == "" {
			t.Errorf("static client needs id and name: %+v", cl)
		}
		if cl.Secret != "" || cl.SecretEnv == "" {
			t.Errorf("static client %q: the secret must come from secretEnv, not be written in the file", cl.ID)
		}
		if _, ok := dexEnv[cl.SecretEnv]; !ok {
			t.Errorf("static client %q reads %s, which the dex service does not receive", cl.ID, cl.SecretEnv)
		}
		var ok bool
		for _, u := range cl.RedirectURIs {
			if callback.MatchString(u) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("static client %q redirectURIs %v: none matches %s", cl.ID, cl.RedirectURIs, callback)
		}
	}
	if !slices.ContainsFunc(c.StaticClients, func(cl deployDexClient) bool {
		return slices.Contains(cl.RedirectURIs, base+"/o/demo/oidc/callback")
	}) {
		t.Errorf("no static client redirects to the demo org's callback %s/o/demo/oidc/callback", base)
	}
}

// TestDexConfigIssuerReachableFromBothSides checks the hostname approach: the
// issuer's host is a network alias of the dex service (so orgsso reaches it
// inside the compose network), resolves to loopback on the host (*.localhost),
// and its port is both the port Dex listens on and the one published.
func TestDexConfigIssuerReachableFromBothSides(t *testing.T) {
	c := loadDeployDexConfig(t)
	iss, err := url.Parse(c.Issuer)
	if err != nil {
		t.Fatalf("issuer %q: %v", c.Issuer, err)
	}
	host, port := iss.Hostname(), iss.Port()
	if !strings.HasSuffix(host, ".localhost") {
		t.Errorf("issuer host %q must be a *.localhost name, which browsers resolve to loopback", host)
	}
	_, listenPort, err := net.SplitHostPort(c.Web.HTTP)
	if err != nil || listenPort != port {
		t.Errorf("dex listens on %q; want the issuer's port %s", c.Web.HTTP, port)
	}

	dex := composeService(t, mustLoadComposeProject(t, "demo"), "dex")
	var aliased bool
	for _, n := range dex.Networks {
		if n != nil && slices.Contains(n.Aliases, host) {
			aliased = true
		}
	}
	if !aliased {
		t.Errorf("dex service needs the network alias %q so that orgsso resolves the issuer inside compose", host)
	}
	var published bool
	for _, p := range dex.Ports {
		if p.Published == port && int(p.Target) == deployAtoi(port) {
			published = true
			if p.HostIP != "" && p.HostIP != "127.0.0.1" {
				t.Errorf("dex published on %s; the issuer resolves to loopback, publish on 127.0.0.1", p.HostIP)
			}
		}
	}
	if !published {
		t.Errorf("dex must publish %s:%s so the browser reaches the issuer; ports = %+v", port, port, dex.Ports)
	}
}

func TestDexConfigUsersCarryGroups(t *testing.T) {
	c := loadDeployDexConfig(t)
	if !c.EnablePasswordDB {
		t.Errorf("enablePasswordDB must be true for staticPasswords")
	}
	if len(c.StaticPasswords) == 0 {
		t.Fatalf("%s has no demo users", deployDexConfigFile)
	}
	seen := map[string]bool{}
	for _, u := range c.StaticPasswords {
		if u.Email == "" || u.UserID == "" || u.Username == "" {
			t.Errorf("demo user needs email, userID and username: %+v", u)
		}
		if seen[u.Email] || seen[u.UserID] {
			t.Errorf("duplicate demo user %s / %s", u.Email, u.UserID)
		}
		seen[u.Email], seen[u.UserID] = true, true
		if len(u.Groups) == 0 {
			t.Errorf("demo user %s has no groups", u.Email)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(deployDexDemoPassword)); err != nil {
			t.Errorf("demo user %s: hash does not match the documented password: %v", u.Email, err)
		}
	}
	// Groups that differ between users show group-to-role mapping at work.
	if g := c.StaticPasswords[0].Groups; !slices.Contains(g, "demo-admins") {
		t.Errorf("first demo user groups = %v, want demo-admins among them", g)
	}
	if !strings.Contains(readDeployFile(t, deployDexConfigFile), deployDexDemoPassword) {
		t.Errorf("%s must document the demo password", deployDexConfigFile)
	}
	// Groups on staticPasswords exist since Dex v2.45.0.
	dex := composeService(t, mustLoadComposeProject(t, "demo"), "dex")
	m := regexp.MustCompile(`:v(\d+)\.(\d+)\.`).FindStringSubmatch(dex.Image)
	if m == nil || deployAtoi(m[1]) < 2 || (deployAtoi(m[1]) == 2 && deployAtoi(m[2]) < 45) {
		t.Errorf("dex image %q: staticPasswords groups need Dex >= v2.45.0", dex.Image)
	}
}

// deployDockerInstruction is one instruction of a Dockerfile, continuation lines joined.
type deployDockerInstruction struct {
	cmd  string // upper case
	args string
}

func parseDeployDockerfile(t *testing.T, path string) []deployDockerInstruction {
	t.Helper()
	var out []deployDockerInstruction
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(readDeployFile(t, path)))
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		out = append(out, deployDockerInstruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := parseDeployDockerfile(t, "Dockerfile")
	var froms []int
	for i, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, i)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("Dockerfile has %d FROM, want a multi-stage build", len(froms))
	}
	if !strings.HasPrefix(ins[froms[0]].args, "golang:1.26-bookworm") {
		t.Errorf("build stage FROM %q, want golang:1.26-bookworm (cgo for go-sqlite3)", ins[froms[0]].args)
	}
	final := ins[froms[len(froms)-1]:]
	if base := final[0].args; !strings.HasPrefix(base, "debian:bookworm-slim") && !strings.HasPrefix(base, "gcr.io/distroless/base-debian12") {
		t.Errorf("runtime stage FROM %q, want glibc matching the builder (debian:bookworm-slim)", base)
	}

	find := func(cmd string) []string {
		var args []string
		for _, in := range final {
			if in.cmd == cmd {
				args = append(args, in.args)
			}
		}
		return args
	}
	var build bool
	for _, in := range ins[:froms[len(froms)-1]] {
		if in.cmd == "RUN" && strings.Contains(in.args, "CGO_ENABLED=1") && strings.Contains(in.args, "go build") && strings.Contains(in.args, "-o /orgsso .") {
			build = true
		}
	}
	if !build {
		t.Errorf("build stage must run CGO_ENABLED=1 go build ... -o /orgsso .")
	}
	if !slices.ContainsFunc(find("COPY"), func(a string) bool { return strings.Contains(a, "--from=") && strings.Contains(a, "/orgsso") }) {
		t.Errorf("runtime stage must copy the binary from the build stage")
	}

	users := find("USER")
	if len(users) == 0 {
		t.Fatalf("runtime stage has no USER: it would run as root")
	}
	user, _, _ := strings.Cut(users[len(users)-1], ":")
	if user == "" || user == "root" || user == "0" {
		t.Errorf("runtime USER %q, want a non-root user", users[len(users)-1])
	}
	if user != "10001" {
		t.Errorf("runtime USER %q, want uid 10001", user)
	}

	hc := find("HEALTHCHECK")
	if len(hc) == 0 || !strings.Contains(hc[len(hc)-1], "healthcheck") || strings.Contains(hc[len(hc)-1], "curl") {
		t.Errorf("HEALTHCHECK %q, want the binary's own `orgsso healthcheck`", hc)
	}
	if !slices.ContainsFunc(find("VOLUME"), func(a string) bool { return a == "/data" || a == `["/data"]` }) {
		t.Errorf("runtime stage needs VOLUME /data")
	}
	if !slices.Contains(find("EXPOSE"), "8080") {
		t.Errorf("runtime stage must EXPOSE 8080")
	}
	env := strings.Join(find("ENV"), " ")
	for _, kv := range []string{"ORGSSO_DATA_DIR=/data", "ORGSSO_ADDR=:8080"} {
		if !strings.Contains(env, kv) {
			t.Errorf("runtime ENV must set %s; got %q", kv, env)
		}
	}
	if !strings.Contains(strings.Join(find("RUN"), " "), "chown 10001:10001 /data") {
		t.Errorf("/data must belong to uid 10001 so a fresh named volume is writable")
	}
	// The secret key must never be baked into the image.
	for _, in := range ins {
		if (in.cmd == "ENV" || in.cmd == "ARG") && regexp.MustCompile(`SECRET|PASSWORD`).MatchString(in.args) {
			t.Errorf("Dockerfile sets a secret at build time: %s %s", in.cmd, in.args)
		}
	}
}

func TestDockerfileIgnoresSecretsAndState(t *testing.T) {
	lines := strings.Split(readDeployFile(t, ".dockerignore"), "\n")
	for _, want := range []string{".git", ".env", "data/"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore must exclude %s", want)
		}
	}
	// go.mod, go.sum and the sources must stay in the build context.
	for _, l := range lines {
		if l = strings.TrimSpace(l); l == "*" || l == "go.mod" || l == "go.sum" || l == "*.go" {
			t.Errorf(".dockerignore excludes %q, which the build needs", l)
		}
	}
}

func readDeployFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// readDeployEnvFile reads an env file with compose's own parser, as `docker
// compose` reads .env.
func readDeployEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	env, err := dotenv.Read(path)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return env
}

func deployAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
