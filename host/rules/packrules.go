package rules

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/packs"
)

// LoadPackRules reads the rules/*.yaml of each bundle's pack into it. A
// rule may use the actions and trigger types of any pack in the batch, so
// that packs that depend on each other register together.
func (s *Service) LoadPackRules(batch []command.PackBundle) error {
	scope := buildScope{actions: map[string]bool{}, triggerTypes: map[string]*structs.TriggerType{}}
	for _, b := range batch {
		for _, a := range b.Actions {
			scope.actions[a.Ref] = true
		}
		for i := range b.TriggerTypes {
			scope.triggerTypes[b.TriggerTypes[i].Ref] = &b.TriggerTypes[i]
		}
	}
	for i := range batch {
		b := &batch[i]
		dir := filepath.Join(b.Pack.Path, "rules")
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
		files = append(files, more...)
		sort.Strings(files)
		seen := map[string]string{}
		for _, file := range files {
			var m Meta
			if err := packs.DecodeYAMLFile(file, &m); err != nil {
				return err
			}
			if m.Pack != "" && m.Pack != b.Pack.Ref {
				return fmt.Errorf("%s: pack: %q does not match the pack %q", file, m.Pack, b.Pack.Ref)
			}
			m.Pack = b.Pack.Ref
			r, err := s.build(m, scope)
			if err != nil {
				return fmt.Errorf("%s: %v", file, err)
			}
			if prev, dup := seen[r.Ref]; dup {
				return fmt.Errorf("%s: rule %q is also defined in %s", file, r.Ref, prev)
			}
			seen[r.Ref] = file
			rel, _ := filepath.Rel(b.Pack.Path, file)
			r.ID, r.MetadataFile = s.cfg.NewID(), filepath.ToSlash(rel)
			b.Rules = append(b.Rules, r)
		}
	}
	return nil
}
