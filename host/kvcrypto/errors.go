package kvcrypto

import "errors"

// Sentinel errors, for errors.Is.
var (
	// ErrMalformedKey: the key file is not a usable StackStorm key.
	ErrMalformedKey = errors.New("invalid or malformed crypto key")
	// ErrMalformed: the ciphertext is not hex or has an impossible length.
	ErrMalformed = errors.New("invalid ciphertext")
	// ErrIntegrity: the HMAC does not match (wrong key or tampered value).
	ErrIntegrity = errors.New("failed to verify the integrity of the value (HMAC mismatch)")
	// ErrPadding: the MAC matched but the padding is wrong.
	ErrPadding = errors.New("invalid ciphertext padding")
)
