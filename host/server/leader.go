package server

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/scheduler"
)

// tokenReapInterval is how often the leader deletes expired tokens.
// Expired tokens are refused at once; this only bounds memory.
const tokenReapInterval = time.Minute

// watchLeadership starts the leader-only work when this node becomes
// leader and stops it when it stops being leader; when ctx ends it returns
// only after that work has stopped.
func (s *Server) watchLeadership(ctx context.Context) {
	var stop context.CancelFunc
	revoke := func() {
		if stop != nil {
			stop()
			stop = nil
			s.leaderWG.Wait()
		}
	}
	defer revoke()
	if s.node.IsLeader() {
		stop = s.establishLeadership(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case leader := <-s.node.LeaderCh():
			revoke()
			if leader {
				stop = s.establishLeadership(ctx)
			}
		}
	}
}

// establishLeadership runs the leader's loops until the returned cancel.
func (s *Server) establishLeadership(parent context.Context) context.CancelFunc {
	ctx, cancel := context.WithCancel(parent)
	s.logger.Info("cluster leadership acquired")
	s.leaderWG.Add(13)
	go func() { defer s.leaderWG.Done(); s.rt.inquiries.RunExpiry(ctx) }()
	go func() { defer s.leaderWG.Done(); s.rt.workflows.Run(ctx) }()
	go func() { defer s.leaderWG.Done(); s.rt.sensors.Run(ctx) }()
	go func() { defer s.leaderWG.Done(); s.rt.engine.RunRetention(ctx, s.retention) }()
	go func() { defer s.leaderWG.Done(); s.rt.engine.RunTimers(ctx, s.rt.rules.FireInstance) }()
	go func() { defer s.leaderWG.Done(); s.rt.engine.Run(ctx) }()
	go func() { defer s.leaderWG.Done(); s.liveness().Run(ctx) }()
	go func() { defer s.leaderWG.Done(); s.rt.executions.RunRetention(ctx, s.retention) }()
	go func() { defer s.leaderWG.Done(); s.ensureAdmin(ctx) }()
	go func() { defer s.leaderWG.Done(); s.ensureExecTokenKey(ctx) }()
	go func() { defer s.leaderWG.Done(); s.keepBuiltinPacks(ctx) }()
	go func() { defer s.leaderWG.Done(); s.datastore.RunExpiry(ctx) }()
	go func() { defer s.leaderWG.Done(); s.reapTokens(ctx) }()
	return cancel
}

// ensureAdmin creates st2admin on the cluster's first start and tells the
// operator its password once.
func (s *Server) ensureAdmin(ctx context.Context) {
	for ctx.Err() == nil {
		generated, created, err := s.auth.EnsureAdmin(ctx, s.cfg.AdminPassword)
		if err != nil {
			s.logger.Warn("failed to create the first admin; retrying", "error", err)
			sleepCtx(ctx, time.Second)
			continue
		}
		if created {
			s.announceAdmin(generated)
		}
		return
	}
}

func (s *Server) announceAdmin(generated string) {
	if generated == "" {
		s.out("Created user %q with the password given in --admin-password / SQUALL_ADMIN_PASSWORD.\n", auth.AdminUser)
		return
	}
	s.out("Created user %q with a generated password: %s\n", auth.AdminUser, generated)
	if s.cfg.Dev {
		s.out("(--dev: the password is not stored anywhere; note it now.)\n")
		return
	}
	path := filepath.Join(s.cfg.DataDir, AdminPasswordFile)
	if err := os.WriteFile(path, []byte(generated+"\n"), 0o600); err != nil {
		s.logger.Error("failed to write the admin password file", "path", path, "error", err)
		return
	}
	s.out("The password is also in %s (mode 0600). Log in with:\n  st2 login %s -p \"$(cat %s)\"\n", path, auth.AdminUser, path)
}

// AdminPasswordFile holds a generated st2admin password in the data dir.
const AdminPasswordFile = "st2admin.password"

func (s *Server) reapTokens(ctx context.Context) {
	t := time.NewTicker(tokenReapInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.auth.ReapTokens(ctx); err != nil {
				s.logger.Warn("failed to delete expired tokens", "error", err)
			} else if n > 0 {
				s.logger.Debug("deleted expired tokens", "count", n)
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *Server) liveness() *scheduler.Liveness {
	down, _ := s.cfg.DownAfter() // validated at start
	return &scheduler.Liveness{
		State: s.fsm.State, Raft: s.node, Members: s.node.Members, Logger: s.logger, DownAfter: down,
	}
}
