package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestHashCheck(t *testing.T) {
	ctx := t.Context()
	h, err := Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(ctx, h, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := Check(ctx, h, "wrong horse battery"); err != ErrMismatch {
		t.Fatalf("wrong password = %v, want ErrMismatch", err)
	}
	if err := Check(ctx, "$2a$garbage", "x"); err != ErrMismatch {
		t.Fatal("malformed hash accepted")
	}
	h2, _ := Hash(ctx, "correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

// cheapHash is a valid argon2id hash with 8 KiB and one pass, so that many
// checks can run in a test.
const cheapHash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// TestSlotsBoundConcurrentHashes starts many more checks and hashes than
// there are slots, holds every one that gets a slot until the test lets it
// go, and records the most that held a slot at once.
func TestSlotsBoundConcurrentHashes(t *testing.T) {
	const workers = 24
	var (
		now, peak atomic.Int64
		release   = make(chan struct{})
	)
	inSlot = func() {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		now.Add(-1)
	}
	defer func() { inSlot = nil }()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_ = Check(context.Background(), cheapHash, "x")
			} else if _, err := Hash(context.Background(), "x"); err != nil {
				t.Error(err)
			}
		}()
	}
	// Each send lets one holder go; a waiting one then takes its slot.
	for range workers {
		release <- struct{}{}
	}
	wg.Wait()
	if got := peak.Load(); got > int64(Slots()) || got < 1 {
		t.Errorf("at most %d hashes ran at once, want between 1 and %d slots", got, Slots())
	}
	if InFlight() != 0 {
		t.Errorf("in flight after all finished: %d", InFlight())
	}
}

// TestBusyWhenWaitEnds fills every slot; a check whose context has ended
// gets ErrBusy instead of waiting, and no hash is computed for it.
func TestBusyWhenWaitEnds(t *testing.T) {
	var held []func()
	for range Slots() {
		r, err := Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Check(ctx, cheapHash, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("check with every slot taken = %v, want ErrBusy", err)
	}
	if _, err := Hash(ctx, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("hash with every slot taken = %v, want ErrBusy", err)
	}
	for _, r := range held {
		r()
	}
	if err := Check(ctx, cheapHash, "x"); err != ErrMismatch {
		t.Errorf("check with a free slot = %v, want ErrMismatch (a free slot is taken even when ctx has ended)", err)
	}
}

func TestValidateAndOneTime(t *testing.T) {
	if Validate("short") == "" {
		t.Fatal("short password accepted")
	}
	if Validate(OneTime()) != "" {
		t.Fatal("one-time password fails validation")
	}
	if a, b := OneTime(), OneTime(); a == b {
		t.Fatal("one-time passwords repeat")
	}
}
