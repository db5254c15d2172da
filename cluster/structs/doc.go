// Package structs holds the domain types replicated through raft: one file
// per resource, plain data, no I/O. Times are UTC and travel inside
// commands so that applying a command is deterministic.
package structs
