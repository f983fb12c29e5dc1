package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	mode        string
	rounds      int
	users       int
	duration    time.Duration
	logins      int
	warmup      int
	crowdUsers  int
	crowdLogins int
	keep        bool
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "rounds", "rounds: orgsso against the baseline RP, interleaved; crowd: many users from one address against orgsso")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds per RP (at least 3; odd for a true median)")
	flag.IntVar(&o.users, "users", 8, "concurrent users in a round")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of a round (ignored when -logins is set)")
	flag.IntVar(&o.logins, "logins", 0, "logins per round instead of a fixed duration")
	flag.IntVar(&o.warmup, "warmup", 200, "unmeasured logins per RP before the rounds")
	flag.IntVar(&o.crowdUsers, "crowd-users", 200, "crowd mode: concurrent users")
	flag.IntVar(&o.crowdLogins, "crowd-logins", 10, "crowd mode: logins per user (in all users × this)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (binaries, data dir, logs) and print its path")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func (o options) check() error {
	switch {
	case o.mode != "rounds" && o.mode != "crowd":
		return fmt.Errorf("-mode %q: want rounds or crowd", o.mode)
	case o.mode == "rounds" && o.rounds < 3:
		return errors.New("-rounds: at least 3, for a median of per-round ratios")
	case o.users < 1 || o.crowdUsers < 1 || o.crowdLogins < 1:
		return errors.New("-users, -crowd-users and -crowd-logins must be positive")
	case o.logins <= 0 && o.duration <= 0:
		return errors.New("set -duration or -logins")
	}
	return nil
}

// run starts the processes, sets orgsso up, runs the mode and stops every
// process it started, whatever happened.
func run(ctx context.Context, o options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (make load)")
	}
	work, err := os.MkdirTemp("", "orgsso-load-")
	if err != nil {
		return err
	}
	if o.keep {
		defer fmt.Fprintln(out, "work directory kept:", work)
	} else {
		defer os.RemoveAll(work)
	}
	var procs children
	defer procs.stopAll()

	fmt.Fprintf(out, "orgsso load, mode %s: building, starting the IdP, the RPs and setting orgsso up (%d CPUs, %s)\n",
		o.mode, runtime.NumCPU(), runtime.Version())
	st, err := startStack(ctx, work, o.mode == "rounds", &procs)
	if err != nil {
		return err
	}
	if o.mode == "crowd" {
		err = runCrowd(ctx, st, o, out)
	} else {
		err = runRounds(ctx, st, o, out)
	}
	for _, c := range procs {
		if e := c.exited(); e != nil && err == nil {
			err = e // a child that died during the run makes the figures meaningless
		}
	}
	return err
}
