package executions

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// Execution ids have the layout of StackStorm's (MongoDB) object ids: four
// bytes of seconds, five random bytes fixed per process, a three-byte
// counter. They sort by creation time, which the store uses to list the
// newest first without another index.
var (
	processRandom = randomBytes(5)
	counter       = newCounter()
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func newCounter() *atomic.Uint32 {
	c := new(atomic.Uint32)
	c.Store(binary.BigEndian.Uint32(randomBytes(4)))
	return c
}

// NewID returns a new 24-hex-digit, time-ordered id.
func NewID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(now.Unix()))
	copy(b[4:9], processRandom)
	c := counter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}
