package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// round is one measured batch of logins against one relying party, with the
// CPU its process and the IdP's used meanwhile and the IdP's request counts.
type round struct {
	n  int
	rp string
	batch
	rpCPU, idpCPU time.Duration
	idp           idpCounts
}

// measure runs one round against t, sampling the CPU of t's process and of
// the IdP just before and just after it.
func measure(ctx context.Context, st *stack, tr http.RoundTripper, t target, users int, dur time.Duration, count int, tick time.Duration) (round, error) {
	r := round{rp: t.name}
	counts0, err := st.idpCounts(ctx)
	if err != nil {
		return r, err
	}
	rp0, err1 := cpuTime(t.proc.pid(), tick)
	idp0, err2 := cpuTime(st.idp.pid(), tick)
	r.batch = drive(ctx, tr, t, users, dur, count)
	rp1, err3 := cpuTime(t.proc.pid(), tick)
	idp1, err4 := cpuTime(st.idp.pid(), tick)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return r, fmt.Errorf("cpu time: %w", err)
	}
	counts1, err := st.idpCounts(ctx)
	if err != nil {
		return r, err
	}
	r.rpCPU, r.idpCPU, r.idp = rp1-rp0, idp1-idp0, counts1.minus(counts0)
	return r, ctx.Err()
}

// runRounds warms both relying parties up, then alternates rounds between
// them and prints each round and the summary.
func runRounds(ctx context.Context, st *stack, o options, out io.Writer) error {
	tick := clockTick()
	tr := newTransport(o.users)
	targets := []target{st.orgsso, st.baseline}
	for _, t := range targets {
		if err := warmUp(ctx, tr, t, o.users, o.warmup); err != nil {
			return err
		}
	}
	how := fmt.Sprintf("%s per round", o.duration)
	if o.logins > 0 {
		how = fmt.Sprintf("%d logins per round", o.logins)
	}
	fmt.Fprintf(out, "rounds: %d users, %d rounds per RP interleaved, %s, clock tick %s\n\n", o.users, o.rounds, how, tick)
	const row = "%5v  %-8s  %6v  %8v  %8v  %8v  %6v  %15v  %16v\n"
	fmt.Fprintf(out, row, "round", "RP", "logins", "logins/s", "p50", "p99", "errors", "RP CPU ms/login", "IdP CPU ms/login")
	var all []round
	for i := 1; i <= o.rounds; i++ {
		for _, t := range targets {
			r, err := measure(ctx, st, tr, t, o.users, o.duration, o.logins, tick)
			if err != nil {
				return err
			}
			r.n = i
			all = append(all, r)
			fmt.Fprintf(out, row, i, r.rp, len(r.latencies), fmt.Sprintf("%.1f", rate(r.batch)), ms(pct(r.latencies, 50)),
				ms(pct(r.latencies, 99)), r.failures(), fmt.Sprintf("%.3f", perLogin(r.rpCPU, r.batch)),
				fmt.Sprintf("%.3f", perLogin(r.idpCPU, r.batch)))
		}
	}
	fmt.Fprintln(out)
	summarize(out, all, targets)
	fmt.Fprintf(out, "orgsso's log: %d × \"database is locked\"\n", countIn(st.orgsso.proc.log, "database is locked"))
	return nil
}

// warmUp runs one login (which must succeed: the first one provisions the
// member) and then n more with users at once, unmeasured.
func warmUp(ctx context.Context, tr http.RoundTripper, t target, users, n int) error {
	if _, kind := login(ctx, tr, t); kind != "" {
		return fmt.Errorf("%s: the first login failed: %s", t.name, kind)
	}
	if n > 0 {
		if b := drive(ctx, tr, t, users, 0, n); b.failures() > 0 {
			return fmt.Errorf("%s: warm-up logins failed: %s", t.name, kinds(b.errors))
		}
	}
	return ctx.Err()
}

// summarize prints, per RP, the totals of its rounds, then the median of
// the per-round ratios of RP CPU per login, orgsso over baseline.
func summarize(out io.Writer, all []round, targets []target) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RP\tlogins\tlogins/s\tp50\tp99\tRP CPU ms/login\tIdP CPU ms/login\tIdP token/login\tuserinfo/login\tdiscovery+JWKS fetches\t")
	errs := map[string]map[string]int{}
	for _, t := range targets {
		var sum round
		sum.idp = idpCounts{}
		for _, r := range all {
			if r.rp != t.name {
				continue
			}
			sum.add(r.batch)
			sum.rpCPU += r.rpCPU
			sum.idpCPU += r.idpCPU
			for k, v := range r.idp {
				sum.idp[k] += v
			}
		}
		errs[t.name] = sum.errors
		n := float64(max(len(sum.latencies), 1))
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%.3f\t%.3f\t%.2f\t%.2f\t%d\t\n", t.name, len(sum.latencies), rate(sum.batch),
			ms(pct(sum.latencies, 50)), ms(pct(sum.latencies, 99)), perLogin(sum.rpCPU, sum.batch), perLogin(sum.idpCPU, sum.batch),
			float64(sum.idp["token"])/n, float64(sum.idp["userinfo"])/n, sum.idp["discovery"]+sum.idp["jwks"])
	}
	tw.Flush()
	for _, t := range targets {
		fmt.Fprintf(out, "errors, %s: %s\n", t.name, kinds(errs[t.name]))
	}
	var ratios []float64
	for i := 0; i+1 < len(all); i += 2 {
		if b := perLogin(all[i+1].rpCPU, all[i+1].batch); b > 0 {
			ratios = append(ratios, perLogin(all[i].rpCPU, all[i].batch)/b)
		}
	}
	words := make([]string, len(ratios))
	for i, r := range ratios {
		words[i] = fmt.Sprintf("%.2f", r)
	}
	fmt.Fprintf(out, "RP CPU per login, orgsso / baseline: median %.2f× of the per-round ratios [%s]\n",
		median(ratios), strings.Join(words, " "))
}

// perLogin is cpu divided among the successful logins of b, in ms.
func perLogin(cpu time.Duration, b batch) float64 {
	if len(b.latencies) == 0 {
		return 0
	}
	return float64(cpu) / float64(time.Millisecond) / float64(len(b.latencies))
}

// rate is successful logins per second of b.
func rate(b batch) float64 {
	if b.elapsed <= 0 {
		return 0
	}
	return float64(len(b.latencies)) / b.elapsed.Seconds()
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// kinds lists failures by kind, most frequent first.
func kinds(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d × %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
