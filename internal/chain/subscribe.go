package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/event"
	"go.uber.org/zap"
)

// errSilent ends a WS subscription that delivered nothing for too long: some
// providers keep the socket open but stop sending notifications.
var errSilent = errors.New("newHeads subscription silent")

// errSubClosed stands for a subscription error channel closed without an
// error; event.ResubscribeErr would otherwise stop resubscribing.
var errSubClosed = errors.New("newHeads subscription closed")

// SubscribeHeads returns a channel of new head block numbers. It is a wake-up
// hint only, never the source of truth: numbers may be skipped, repeated or
// (after a reorg) lower than before, and the receiver should poll anyway.
//
// On WS endpoints it subscribes to newHeads through event.ResubscribeErr,
// moving to the next WS endpoint when one fails, and re-subscribes when a
// subscription stays silent for Options.WSSilence. While no subscription
// delivers, and on HTTP-only endpoints, it polls eth_blockNumber every
// Options.PollInterval and sends increases. The channel has a buffer of one
// and keeps only the latest number when the receiver is slow. It is closed
// after ctx ends.
func (c *Client) SubscribeHeads(ctx context.Context) (<-chan uint64, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("subscribe heads: %w", errClosed)
	}
	h := &headFeed{c: c, out: make(chan uint64, 1)}
	var wsEps []*endpoint
	for _, ep := range c.eps {
		if ep.ws {
			wsEps = append(wsEps, ep)
		}
	}
	var wg sync.WaitGroup
	if len(wsEps) > 0 {
		sub := event.ResubscribeErr(c.opts.RetryMax, h.resubscribeFunc(ctx, wsEps))
		wg.Go(func() {
			defer sub.Unsubscribe()
			select {
			case <-ctx.Done():
			case <-sub.Err():
				// Only ends with a nil error, which the inner subscriptions
				// never produce; the poller keeps the hint alive regardless.
				<-ctx.Done()
			}
		})
	}
	wg.Go(func() { h.poll(ctx, len(wsEps) > 0) })
	go func() {
		wg.Wait()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.closed = true
		close(h.out)
	}()
	return h.out, nil
}

// headFeed fans the WS subscription and the poller into one channel.
type headFeed struct {
	c      *Client
	out    chan uint64
	mu     sync.Mutex // serialises sends so that only the latest value waits
	closed bool       // out is closed (under mu)
	last   atomic.Uint64
	wsLast atomic.Int64 // unix nanos of the last WS notification or subscription
	wsLive atomic.Bool  // a WS subscription is established
	next   atomic.Int64 // index into the WS endpoints to subscribe to
}

// send delivers n without blocking: if the receiver has not taken the
// previous number yet, it is replaced.
func (h *headFeed) send(n uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.last.Store(max(h.last.Load(), n))
	select {
	case h.out <- n:
		return
	default:
	}
	select {
	case <-h.out:
	default:
	}
	select {
	case h.out <- n:
	default:
	}
}

// wsHead is the part of a newHeads notification we need.
type wsHead struct {
	Number *hexutil.Big `json:"number"`
}

// resubscribeFunc returns the function event.ResubscribeErr calls to
// (re)establish a newHeads subscription, rotating through the WS endpoints
// after failures. Subscriptions also end with life: event.ResubscribeErr
// does not unsubscribe one that is established while it is being stopped.
func (h *headFeed) resubscribeFunc(life context.Context, eps []*endpoint) event.ResubscribeErrFunc {
	log := h.c.log
	return func(ctx context.Context, lastErr error) (event.Subscription, error) {
		ep := eps[h.next.Load()%int64(len(eps))]
		if lastErr != nil {
			log.Info("resubscribing to new heads", zap.String(fieldEndpoint, ep.name), zap.Error(lastErr))
		}
		fail := func(err error) (event.Subscription, error) {
			h.next.Add(1)
			err = classify(err, ep.red, classifyOpts{})
			log.Warn("new heads subscription failed", zap.String(fieldEndpoint, ep.name), zap.Error(err))
			return nil, err
		}
		if ep.bad.Load() {
			return fail(errors.New("endpoint serves another chain"))
		}
		actx, cancel := context.WithTimeout(ctx, h.c.opts.RequestTimeout)
		defer cancel()
		if err := h.c.verify(actx, ep); err != nil {
			return fail(err)
		}
		rc, err := h.c.rpcClient(actx, ep)
		if err != nil {
			return fail(err)
		}
		ch := make(chan wsHead, 16)
		rsub, err := rc.EthSubscribe(actx, ch, "newHeads")
		if err != nil {
			return fail(err)
		}
		log.Debug("subscribed to new heads", zap.String(fieldEndpoint, ep.name))
		silence := h.c.opts.WSSilence
		h.wsLast.Store(time.Now().UnixNano())
		h.wsLive.Store(true)
		return event.NewSubscription(func(quit <-chan struct{}) error {
			defer h.wsLive.Store(false)
			defer rsub.Unsubscribe()
			timer := time.NewTimer(silence)
			defer timer.Stop()
			for {
				select {
				case hd := <-ch:
					if hd.Number != nil && hd.Number.ToInt().IsUint64() {
						h.wsLast.Store(time.Now().UnixNano())
						h.send(hd.Number.ToInt().Uint64())
					}
					timer.Reset(silence)
				case err := <-rsub.Err():
					h.next.Add(1)
					if err == nil {
						err = errSubClosed
					}
					return classify(err, ep.red, classifyOpts{})
				case <-timer.C:
					return errSilent
				case <-quit:
					return nil
				case <-life.Done():
					return nil
				}
			}
		}), nil
	}
}

// poll sends the first eth_blockNumber answer and then its increases, every
// PollInterval. With WS endpoints it polls only while no subscription is
// established or the current one has been silent for WSSilence.
func (h *headFeed) poll(ctx context.Context, haveWS bool) {
	iv := h.c.opts.PollInterval
	t := time.NewTicker(iv)
	defer t.Stop()
	first := true // the first answer is sent even if it is block 0
	for {
		wsOK := haveWS && h.wsLive.Load() && time.Now().UnixNano()-h.wsLast.Load() <= int64(h.c.opts.WSSilence)
		if first || !wsOK {
			n, err := h.c.HeadNumber(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				h.c.log.Debug("head poll failed", zap.Error(err))
			case err == nil && (first || n > h.last.Load()):
				first = false
				h.send(n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
