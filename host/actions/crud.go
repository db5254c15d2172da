package actions

import (
	"context"
	"time"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/packs"
)

// DefaultPack holds actions created through the API without a pack.
const DefaultPack = "default"

// Get returns an action by ref or id.
func (s *Service) Get(refOrID string) (*structs.Action, error) {
	st := s.cfg.State()
	if a, err := st.ActionGet(refOrID); err == nil {
		return a, nil
	}
	all, err := st.Actions("")
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.ID == refOrID {
			return a, nil
		}
	}
	return nil, structs.Errorf(structs.KindNotFound, "Resource with a reference or id %q not found", refOrID)
}

// Create registers an action described by metadata (POST /actions).
func (s *Service) Create(ctx context.Context, m packs.ActionMeta) (*structs.Action, error) {
	return s.put(ctx, m, command.ActionCreate, "")
}

// Update replaces the action ref with metadata (PUT /actions/{ref}).
func (s *Service) Update(ctx context.Context, ref string, m packs.ActionMeta) (*structs.Action, error) {
	old, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	if m.Pack == "" {
		m.Pack = old.Pack
	}
	if m.Name == "" {
		m.Name = old.Name
	}
	if m.Pack+"."+m.Name != old.Ref {
		return nil, structs.Errorf(structs.KindInvalid, "an update cannot rename %s to %s.%s", old.Ref, m.Pack, m.Name)
	}
	return s.put(ctx, m, command.ActionUpdate, old.ID)
}

func (s *Service) put(ctx context.Context, m packs.ActionMeta, mode command.ActionMode, id string) (*structs.Action, error) {
	pack := m.Pack
	if pack == "" {
		pack = DefaultPack
	}
	o := s.options()
	a, err := packs.BuildAction(m, pack, "action "+pack+"."+m.Name, "", o)
	if err != nil {
		return nil, structs.Errorf(structs.KindInvalid, "%v", err)
	}
	if id != "" {
		a.ID = id
	}
	if _, err := s.cfg.Raft.Apply(ctx, command.ActionPut, command.ActionPutRequest{Action: a, Mode: mode, Now: time.Now().UTC()}); err != nil {
		return nil, err
	}
	// Not read back: on a follower the write may not be applied here yet.
	return &a, nil
}

// Delete removes an action.
func (s *Service) Delete(ctx context.Context, refOrID string) error {
	a, err := s.Get(refOrID)
	if err != nil {
		return err
	}
	_, err = s.cfg.Raft.Apply(ctx, command.ActionDelete, command.ActionDeleteRequest{Ref: a.Ref})
	return err
}

// SetEnabled enables or disables an action.
func (s *Service) SetEnabled(ctx context.Context, refOrID string, enabled bool) (*structs.Action, error) {
	a, err := s.Get(refOrID)
	if err != nil {
		return nil, err
	}
	next := *a
	next.Enabled = enabled
	if _, err := s.cfg.Raft.Apply(ctx, command.ActionPut, command.ActionPutRequest{Action: next, Mode: command.ActionUpdate, Now: time.Now().UTC()}); err != nil {
		return nil, err
	}
	return &next, nil
}
