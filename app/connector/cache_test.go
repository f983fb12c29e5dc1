package connector

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeConn struct {
	id      string
	version int64
}

func (fakeConn) Begin(context.Context, LoginRequest) (string, []byte, error) { return "", nil, nil }
func (fakeConn) Finish(context.Context, *http.Request, []byte) (Identity, error) {
	return Identity{}, nil
}

func TestCache(t *testing.T) {
	var opens atomic.Int64
	fail := atomic.Bool{}
	cache := NewCache()
	open := func(ctx context.Context, id string, v int64) (Connector, error) {
		opens.Add(1)
		time.Sleep(10 * time.Millisecond)
		if fail.Load() {
			return nil, errors.New("boom")
		}
		return &fakeConn{id: id, version: v}, nil
	}
	// c opens from what the caller holds, as signin does with its row.
	c := struct {
		Get func(ctx context.Context, id string, v int64) (Connector, error)
	}{func(ctx context.Context, id string, v int64) (Connector, error) {
		return cache.Get(ctx, id, v, func(ctx context.Context) (Connector, error) { return open(ctx, id, v) })
	}}
	ctx := context.Background()

	t.Run("concurrent gets open once", func(t *testing.T) {
		var wg sync.WaitGroup
		conns := make([]Connector, 20)
		for i := range conns {
			wg.Go(func() {
				conn, err := c.Get(ctx, "a", 1)
				if err != nil {
					t.Error(err)
				}
				conns[i] = conn
			})
		}
		wg.Wait()
		if opens.Load() != 1 {
			t.Fatalf("opened %d times", opens.Load())
		}
		for _, conn := range conns {
			if conn != conns[0] {
				t.Fatal("different connectors for the same version")
			}
		}
	})
	t.Run("newer version replaces older", func(t *testing.T) {
		old, _ := c.Get(ctx, "a", 1)
		n, _ := c.Get(ctx, "a", 2)
		if n.(*fakeConn).version != 2 || n == old || cache.Len() != 1 {
			t.Fatalf("got %+v, len %d", n, cache.Len())
		}
		again, _ := c.Get(ctx, "a", 2)
		if again != n {
			t.Fatal("version 2 not cached")
		}
	})
	t.Run("older version opened uncached", func(t *testing.T) {
		before := opens.Load()
		o, _ := c.Get(ctx, "a", 1)
		cur, _ := c.Get(ctx, "a", 2)
		if o.(*fakeConn).version != 1 || cur.(*fakeConn).version != 2 || opens.Load() != before+1 {
			t.Fatal("older version handling wrong")
		}
	})
	t.Run("failed opens are not cached", func(t *testing.T) {
		fail.Store(true)
		if _, err := c.Get(ctx, "b", 1); err == nil {
			t.Fatal("expected error")
		}
		fail.Store(false)
		if conn, err := c.Get(ctx, "b", 1); err != nil || conn == nil {
			t.Fatalf("retry failed: %v", err)
		}
	})
	t.Run("forget", func(t *testing.T) {
		cache.Forget("b")
		before := opens.Load()
		c.Get(ctx, "b", 1)
		if opens.Load() != before+1 {
			t.Fatal("forgotten connector not reopened")
		}
	})
	t.Run("caller cancellation does not poison the entry", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Get(cctx, "c", 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if conn, err := c.Get(ctx, "c", 1); err != nil || conn == nil {
			t.Fatalf("later get failed: %v", err)
		}
	})
}
