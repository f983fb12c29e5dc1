package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	orgSlug        = "load"
	adminEmail     = "admin@load.example"
	memberEmail    = "member@load.example"
	orgssoClient   = "orgsso"
	baselineClient = "baseline"
)

// target is a relying party as the load sees it: where a login starts, the
// path it must land on, and the process whose CPU it costs.
type target struct {
	name    string
	start   string // URL a login starts at
	landing string // path of the page a successful login ends on
	conn    string // an id in URLs to print as {conn}, if any
	proc    *child
}

// stack is the running processes: the IdP, orgsso and (in rounds mode) the
// baseline relying party.
type stack struct {
	idp       *child
	idpStats  string // URL of the IdP's request counts
	orgsso    target
	baseline  target // zero in crowd mode
	adminPass string
	orgssoURL string
}

// startStack builds the programs, starts the IdP, the baseline (when
// withBaseline) and orgsso on a fresh SQLite data dir under work, with an
// org whose admin is adminEmail. cs collects the processes to stop.
func startStack(ctx context.Context, work string, withBaseline bool, cs *children) (*stack, error) {
	orgssoBin, idpBin, baselineBin, err := build(ctx, work)
	if err != nil {
		return nil, err
	}
	orgssoPort, err1 := freePort()
	baselinePort, err2 := freePort()
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("free port: %v %v", err1, err2)
	}
	st := &stack{adminPass: secret(), orgssoURL: "http://127.0.0.1:" + strconv.Itoa(orgssoPort)}
	baselineAddr := "127.0.0.1:" + strconv.Itoa(baselinePort)
	orgssoSecret, baselineSecret := secret(), secret()

	lines := make(chan string, 1)
	st.idp, err = cs.start("idp", idpBin, []string{"-email", memberEmail,
		"-client", orgssoClient + "," + orgssoSecret + "," + st.orgssoURL + "/o/" + orgSlug + "/oidc/callback",
		"-client", baselineClient + "," + baselineSecret + ",http://" + baselineAddr + "/callback",
	}, nil, filepath.Join(work, "idp.log"), lines)
	if err != nil {
		return nil, err
	}
	line, err := st.idp.readLine(ctx, lines)
	if err != nil {
		return nil, err
	}
	var issuer string
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok && k == "issuer" {
			issuer = v
		} else if ok && k == "stats" {
			st.idpStats = v
		}
	}
	if issuer == "" || st.idpStats == "" {
		return nil, fmt.Errorf("idp printed %q", line)
	}

	if withBaseline {
		p, err := cs.start("baseline", baselineBin, []string{"-addr", baselineAddr, "-issuer", issuer,
			"-client-id", baselineClient, "-client-secret", baselineSecret}, nil, filepath.Join(work, "baseline.log"), nil)
		if err != nil {
			return nil, err
		}
		if err := p.waitHTTP(ctx, "http://"+baselineAddr+"/healthz"); err != nil {
			return nil, err
		}
		st.baseline = target{name: "baseline", start: "http://" + baselineAddr + "/login", landing: "/", proc: p}
	}

	env := []string{
		"ORGSSO_ADDR=127.0.0.1:" + strconv.Itoa(orgssoPort), "ORGSSO_BASE_URL=" + st.orgssoURL,
		"ORGSSO_DATA_DIR=" + filepath.Join(work, "data"), "ORGSSO_ALLOW_PRIVATE_IDP=true",
		"ORGSSO_METRICS_ADDR=off", // not read here; a taken 127.0.0.1:9090 must not stop the run
		"ORGSSO_ADMIN_EMAIL=" + adminEmail, "ORGSSO_ADMIN_PASSWORD=" + st.adminPass,
	}
	for _, args := range [][]string{
		{"admin", "create", "--email", adminEmail, "--password", st.adminPass},
		{"orgs", "create", "--slug", orgSlug, "--name", "Load test", "--admin", adminEmail},
	} {
		cmd := exec.CommandContext(ctx, orgssoBin, args...)
		cmd.Env = append(cmd.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("orgsso %s: %v\n%s", strings.Join(args[:2], " "), err, out)
		}
	}
	p, err := cs.start("orgsso", orgssoBin, []string{"serve"}, env, filepath.Join(work, "orgsso.log"), nil)
	if err != nil {
		return nil, err
	}
	if err := p.waitHTTP(ctx, st.orgssoURL+"/healthz"); err != nil {
		return nil, err
	}
	st.orgsso = target{name: "orgsso", landing: "/o/" + orgSlug, proc: p}
	st.orgsso.conn, err = setupOrgsso(ctx, st.orgssoURL, adminEmail, st.adminPass, issuer, orgssoClient, orgssoSecret)
	if err != nil {
		return nil, fmt.Errorf("%w\norgsso's log ends:\n%s", err, tail(p.log, 15))
	}
	st.orgsso.start = st.orgssoURL + "/o/" + orgSlug + "/sso/" + st.orgsso.conn + "/start"
	return st, nil
}

// idpCounts are the IdP's request counts by endpoint.
type idpCounts map[string]int64

func (st *stack) idpCounts(ctx context.Context) (idpCounts, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, st.idpStats, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	c := idpCounts{}
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// minus is c - before, endpoint by endpoint.
func (c idpCounts) minus(before idpCounts) idpCounts {
	d := idpCounts{}
	for k, v := range c {
		d[k] = v - before[k]
	}
	return d
}

func secret() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
