package fsm

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

// BenchmarkApplyKVSet is the FSM's share of one `key set`: decode and
// apply, as every node does for every write.
func BenchmarkApplyKVSet(b *testing.B) {
	f, _ := New(hclog.NewNullLogger())
	bufs := make([][]byte, 1000)
	for i := range bufs {
		item := structs.KeyValuePair{ID: fmt.Sprintf("id%d", i), Name: fmt.Sprintf("key-%d", i), Value: "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", Scope: structs.ScopeSystem}
		bufs[i], _ = command.Encode(command.KVSet, command.KVSetRequest{Item: item, Now: time.Now().UTC()})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: bufs[i%len(bufs)]}); res != nil {
			b.Fatal(res)
		}
	}
}
