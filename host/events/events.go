// Package events is the node's in-process publish/subscribe bus for what
// is not replicated: execution output and announcements. The API's event
// stream subscribes to it.
package events

import "sync"

// Event is one stream event: its StackStorm name and JSON-able payload.
type Event struct {
	Name string
	Data any
}

// Bus fans events out to subscribers; a subscriber that falls behind
// loses events rather than slowing the publisher.
type Bus struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[*Subscription]struct{}{}} }

// Subscription receives events on C until Close.
type Subscription struct {
	C   chan Event
	bus *Bus
}

// Subscribe returns a subscription buffering up to buf events.
func (b *Bus) Subscribe(buf int) *Subscription {
	s := &Subscription{C: make(chan Event, buf), bus: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
}

// Publish sends ev to every subscriber that has room.
func (b *Bus) Publish(ev Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		select {
		case s.C <- ev:
		default:
		}
	}
}

// HasSubscribers reports whether anyone listens, so publishers can skip
// building events nobody reads.
func (b *Bus) HasSubscribers() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs) > 0
}
