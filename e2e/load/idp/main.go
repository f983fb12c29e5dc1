// Command idp runs the test OpenID provider of package e2e/idp (zitadel/oidc,
// ES256) as a process of its own, for the load harness in e2e/load: every
// login completes at once as the one configured user, with no login form.
//
// It prints one line on stdout when ready,
//
//	issuer=http://127.0.0.1:PORT stats=http://127.0.0.1:PORT2/stats
//
// where the stats URL answers the provider's request counts as JSON, and
// runs until SIGTERM or SIGINT.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/orgsso/orgsso/e2e/idp"
)

// tb is the testing.TB that idp.NewOIDC needs outside a test: it reports
// failures by exiting and keeps the cleanups for the end of the process.
// NewOIDC calls only the methods defined here; the embedded nil interface
// supplies the rest of the method set.
type tb struct {
	testing.TB
	cleanups []func()
}

func (*tb) Helper()                   {}
func (*tb) Fatal(args ...any)         { log.Fatal(args...) }
func (*tb) Fatalf(f string, a ...any) { log.Fatalf(f, a...) }
func (*tb) Logf(f string, a ...any)   { log.Printf(f, a...) }
func (t *tb) Cleanup(f func())        { t.cleanups = append(t.cleanups, f) }

func (t *tb) close() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func main() {
	log.SetPrefix("idp: ")
	var clients []idp.Client
	flag.Func("client", "a client to register, as ID,SECRET,REDIRECT_URI (repeatable); PKCE is required of it", func(v string) error {
		parts := strings.SplitN(v, ",", 3)
		if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
			return errors.New("want ID,SECRET,REDIRECT_URI")
		}
		clients = append(clients, idp.Client{ID: parts[0], Secret: parts[1], RedirectURIs: []string{parts[2]}, RequirePKCE: true})
		return nil
	})
	email := flag.String("email", "member@load.example", "email of the user every login completes as")
	flag.Parse()

	opts := []idp.Option{idp.WithES256(), idp.WithUser(idp.User{
		Subject: "load-member", Email: *email, EmailVerified: true, Name: "Load Member",
		GivenName: "Load", FamilyName: "Member", PreferredUsername: *email,
	})}
	for _, c := range clients {
		opts = append(opts, idp.WithClient(c))
	}
	t := &tb{}
	defer t.close()
	s := idp.NewOIDC(t, opts...)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	stats := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int64{
			"discovery": s.DiscoveryHits(), "jwks": s.JWKSHits(), "authorize": s.AuthorizeHits(),
			"token": s.TokenHits(), "userinfo": s.UserinfoHits(),
		})
	})}
	go stats.Serve(ln)
	defer stats.Close()

	fmt.Printf("issuer=%s stats=http://%s/stats\n", s.Issuer(), ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}
