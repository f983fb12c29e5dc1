package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// runCrowd has many people behind one address (all from 127.0.0.1) log in
// to orgsso at once, users at a time, logins in all, and prints what came
// of it, with the "database is locked" errors orgsso logged meanwhile.
func runCrowd(ctx context.Context, st *stack, o options, out io.Writer) error {
	tick := clockTick()
	tr := newTransport(o.crowdUsers)
	if err := warmUp(ctx, tr, st.orgsso, 1, 0); err != nil {
		return err
	}
	total := o.crowdUsers * o.crowdLogins
	fmt.Fprintf(out, "crowd: %d concurrent users from one address, %d logins in all, orgsso only\n\n", o.crowdUsers, total)
	locked0 := countIn(st.orgsso.proc.log, "database is locked")
	r, err := measure(ctx, st, tr, st.orgsso, o.crowdUsers, 0, total, tick)
	if err != nil {
		return err
	}
	// Let the log catch up with the last requests.
	time.Sleep(200 * time.Millisecond)
	locked := countIn(st.orgsso.proc.log, "database is locked") - locked0
	fmt.Fprintf(out, "logins:        %d\n", total)
	fmt.Fprintf(out, "successes:     %d (%.1f/s, p50 %s, p99 %s, RP CPU %.3f ms/login)\n", len(r.latencies), rate(r.batch),
		ms(pct(r.latencies, 50)), ms(pct(r.latencies, 99)), perLogin(r.rpCPU, r.batch))
	fmt.Fprintf(out, "errors:        %d: %s\n", r.failures(), kinds(r.errors))
	fmt.Fprintf(out, "orgsso's log:  %d × \"database is locked\"\n", locked)
	return nil
}
