// Package avro is a minimal stand-in exposing only what
// github.com/dapr/dapr/cmd/daprd/components/pubsub_pulsar.go touches.
package avro

// Config mirrors the two allocation limits daprd sets.
type Config struct {
	MaxSliceAllocSize int
	MaxMapAllocSize   int
}

// API is the frozen configuration.
type API interface {
	Limits() (slice, m int)
}

type frozen struct{ c Config }

func (f frozen) Limits() (int, int) { return f.c.MaxSliceAllocSize, f.c.MaxMapAllocSize }

// Freeze returns an immutable API for the configuration.
func (c Config) Freeze() API { return frozen{c: c} }

// DefaultConfig is assigned by daprd at init time.
var DefaultConfig = Config{}.Freeze()
