package datastore

import (
	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

// Event is a datastore change as a caller may see it: secrets stay
// ciphertext, and user-scoped items reach only their owner and admins.
type Event struct {
	Type string // create, update, value_change, delete
	Item Item
}

// LastEventSeq is the newest change's sequence number: a stream starts
// there.
func (s *Service) LastEventSeq() uint64 {
	seq, err := s.cfg.State().KVLastEventSeq()
	if err != nil {
		return 0
	}
	return seq
}

// EventsSince returns the changes after cursor that c may see, a WatchSet
// that fires on the next change, and the new cursor.
func (s *Service) EventsSince(c Caller, cursor uint64) ([]Event, memdb.WatchSet, uint64, error) {
	evs, ws, err := s.cfg.State().KVEventsSince(cursor)
	if err != nil {
		return nil, nil, cursor, err
	}
	var out []Event
	for _, ev := range evs {
		cursor = ev.Seq
		kv := ev.New
		if kv == nil {
			kv = ev.Old
		}
		if kv.Scope == structs.ScopeUser && kv.User != c.User && !c.IsAdmin {
			continue
		}
		it, err := s.view(kv, false)
		if err != nil {
			continue
		}
		out = append(out, Event{Type: string(ev.Type), Item: it})
	}
	return out, ws, cursor, nil
}
