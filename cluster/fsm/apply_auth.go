package fsm

import (
	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

func applyUserUpsert(s *state.Store, body []byte) any {
	var req command.UserUpsertRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	old, err := state.UserGetTxn(txn, req.User.Name)
	if err != nil {
		return err
	}
	u := req.User
	switch {
	case req.Mode == command.UserCreate && old != nil:
		return structs.Errorf(structs.KindConflict, "user %q already exists", u.Name)
	case req.Mode == command.UserUpdate && old == nil:
		return structs.Errorf(structs.KindNotFound, "user %q not found", u.Name)
	case old != nil:
		u.CreatedAt = old.CreatedAt
		if u.PasswordHash == "" {
			u.PasswordHash = old.PasswordHash
		}
	default:
		u.CreatedAt = req.Now
	}
	u.UpdatedAt = req.Now
	if err := state.UserPutTxn(txn, &u); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyUserDelete(s *state.Store, body []byte) any {
	var req command.UserDeleteRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	u, err := state.UserGetTxn(txn, req.Name)
	if err != nil {
		return err
	}
	if u == nil {
		return structs.Errorf(structs.KindNotFound, "user %q not found", req.Name)
	}
	if err := state.UserDeleteTxn(txn, u); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// applyAdminInit creates the first admin once per cluster lifetime. A
// second attempt (another node racing at first start) is a conflict.
func applyAdminInit(s *state.Store, body []byte) any {
	var req command.AdminInitRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	_, done, err := state.MetaGetTxn(txn, state.MetaAdminCreated)
	if err != nil {
		return err
	}
	if done {
		return structs.Errorf(structs.KindConflict, "the first admin was already created")
	}
	u := req.User
	u.CreatedAt, u.UpdatedAt = req.Now, req.Now
	if err := state.UserPutTxn(txn, &u); err != nil {
		return err
	}
	if err := state.MetaSetTxn(txn, state.MetaAdminCreated, u.Name); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyTokenCreate(s *state.Store, body []byte) any {
	var req command.TokenCreateRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	u, err := state.UserGetTxn(txn, req.Token.User)
	if err != nil {
		return err
	}
	if u == nil {
		return structs.Errorf(structs.KindNotFound, "user %q not found", req.Token.User)
	}
	if err := state.TokenPutTxn(txn, &req.Token); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyTokenDelete(s *state.Store, body []byte) any {
	var req command.TokenDeleteRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	for _, id := range req.IDs {
		if err := state.TokenDeleteTxn(txn, id); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

func applyAPIKeyCreate(s *state.Store, body []byte) any {
	var req command.APIKeyCreateRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	if _, err := state.APIKeyGetTxn(txn, req.Key.Hash); err == nil {
		return structs.Errorf(structs.KindConflict, "api key with hash %q already exists", req.Key.Hash)
	}
	if _, err := state.APIKeyGetTxn(txn, req.Key.ID); err == nil {
		return structs.Errorf(structs.KindConflict, "api key %q already exists", req.Key.ID)
	}
	if err := state.APIKeyPutTxn(txn, &req.Key); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyAPIKeyUpdate(s *state.Store, body []byte) any {
	var req command.APIKeyUpdateRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	old, err := state.APIKeyGetTxn(txn, req.ID)
	if err != nil {
		return err
	}
	k := *old
	k.Enabled, k.Metadata = req.Enabled, req.Metadata
	if err := state.APIKeyPutTxn(txn, &k); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyAPIKeyDelete(s *state.Store, body []byte) any {
	var req command.APIKeyDeleteRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	k, err := state.APIKeyGetTxn(txn, req.ID)
	if err != nil {
		return err
	}
	if err := state.APIKeyDeleteTxn(txn, k); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

func applyMetaInit(s *state.Store, body []byte) any {
	var req command.MetaInitRequest
	decode(body, &req)
	txn := s.Txn(true)
	defer txn.Abort()
	if _, set, err := state.MetaGetTxn(txn, req.Key); err != nil || set {
		return err
	}
	if err := state.MetaSetTxn(txn, req.Key, req.Value); err != nil {
		return err
	}
	txn.Commit()
	return nil
}
