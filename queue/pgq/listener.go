package pgq

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socketio-go/sio/queue/internal/busutil"
)

// listen runs the listening connection until Close: it LISTENs to the
// channels the subscriptions want, hands each notification to them, and
// reconnects (with backoff, logged) when the connection is lost.
func (b *Bus) listen(conn *pgx.Conn) {
	defer b.wg.Done()
	bo := busutil.Backoff{Min: b.opts.ReconnectMin, Max: b.opts.ReconnectMax}
	for {
		if conn != nil {
			err := b.serve(conn)
			b.connected.Store(false)
			_ = conn.Close(context.Background())
			conn = nil
			if b.stopCtx.Err() != nil {
				return
			}
			b.log.Warn("sio/pgq: lost the listening connection, reconnecting", "err", err)
			bo.Reset()
		}
		select {
		case <-b.stop:
			return
		case <-time.After(bo.Next()):
		}
		c, err := pgx.ConnectConfig(b.stopCtx, b.lcfg)
		if err != nil {
			if b.stopCtx.Err() != nil {
				return
			}
			b.rlog.Warn("sio/pgq: cannot reconnect the listening connection, retrying", "server", redact(b.lcfg), "err", err)
			continue
		}
		conn = c
		b.connected.Store(true)
		b.log.Info("sio/pgq: reconnected the listening connection", "server", redact(b.lcfg))
		if b.opts.OnReconnect != nil {
			b.opts.OnReconnect()
		}
	}
}

// serve LISTENs and waits for notifications on conn until it fails or
// the bus closes.
func (b *Bus) serve(conn *pgx.Conn) error {
	listening := make(map[string]bool)
	for {
		b.mu.Lock()
		want, v := maps.Clone(b.listens), b.version
		b.mu.Unlock()
		for ch := range want {
			if !listening[ch] {
				if _, err := conn.Exec(b.stopCtx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
					return err
				}
				listening[ch] = true
			}
		}
		for ch := range listening {
			if want[ch] == 0 {
				if _, err := conn.Exec(b.stopCtx, "UNLISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
					return err
				}
				delete(listening, ch)
			}
		}
		ctx, cancel := context.WithCancel(b.stopCtx)
		b.mu.Lock()
		if b.version != v || b.closed { // changed meanwhile: LISTEN again first
			b.mu.Unlock()
			cancel()
			if b.stopCtx.Err() != nil {
				return b.stopCtx.Err()
			}
			continue
		}
		if b.listened != v {
			b.listened = v
			close(b.listenedC)
			b.listenedC = make(chan struct{})
		}
		b.waitCancel = cancel
		b.mu.Unlock()
		n, err := conn.WaitForNotification(ctx)
		b.mu.Lock()
		b.waitCancel = nil
		b.mu.Unlock()
		cancel()
		if err != nil {
			if b.stopCtx.Err() != nil {
				return b.stopCtx.Err()
			}
			if errors.Is(err, context.Canceled) && !conn.IsClosed() {
				continue // interrupted: the channels changed
			}
			return err
		}
		b.deliver(n.Channel, []byte(n.Payload))
	}
}
