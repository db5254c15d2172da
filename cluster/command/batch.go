package command

import (
	"encoding/binary"
	"errors"
)

// A Batch entry carries several encoded commands, so that concurrent
// writes share one raft entry (one log append, one replication message,
// one fsync). Its body is a uvarint count, then each command as a uvarint
// length and its bytes. Batches do not nest.

// BatchResult is what the FSM returns for a Batch: each command's own
// result (nil or an error), in order.
type BatchResult []error

var errBadBatch = errors.New("malformed batch")

// EncodeBatch builds a Batch log entry from encoded commands.
func EncodeBatch(cmds [][]byte) []byte {
	size := 1 + binary.MaxVarintLen64
	for _, c := range cmds {
		size += binary.MaxVarintLen64 + len(c)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, byte(Batch))
	buf = binary.AppendUvarint(buf, uint64(len(cmds)))
	for _, c := range cmds {
		buf = binary.AppendUvarint(buf, uint64(len(c)))
		buf = append(buf, c...)
	}
	return buf
}

// DecodeBatch splits a Batch body into its encoded commands. The slices
// share body's memory.
func DecodeBatch(body []byte) ([][]byte, error) {
	n, k := binary.Uvarint(body)
	if k <= 0 || n > uint64(len(body)) {
		return nil, errBadBatch
	}
	body = body[k:]
	out := make([][]byte, 0, n)
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(body)
		if k <= 0 || l > uint64(len(body)-k) {
			return nil, errBadBatch
		}
		out = append(out, body[k:k+int(l)])
		body = body[k+int(l):]
	}
	if len(body) != 0 {
		return nil, errBadBatch
	}
	return out, nil
}
