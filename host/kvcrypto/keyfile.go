package kvcrypto

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// keyFile is keyczar's JSON key format as StackStorm writes it.
type keyFile struct {
	HMACKey struct {
		HMACKeyString string `json:"hmacKeyString"`
		Size          int    `json:"size"`
	} `json:"hmacKey"`
	AESKeyString string `json:"aesKeyString"`
	Mode         string `json:"mode"`
	Size         int    `json:"size"`
}

// ParseKey reads a key from key-file JSON. The AES size comes from the
// decoded key, not from "size": StackStorm's own test key says 256 and
// holds 128 bits.
func ParseKey(data []byte) (*Key, error) {
	var f keyFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedKey, err)
	}
	if f.AESKeyString == "" || f.HMACKey.HMACKeyString == "" {
		return nil, fmt.Errorf("%w: aesKeyString and hmacKey.hmacKeyString are required", ErrMalformedKey)
	}
	if !strings.EqualFold(f.Mode, "CBC") {
		return nil, fmt.Errorf("%w: unsupported mode %q (only CBC)", ErrMalformedKey, f.Mode)
	}
	aesKey, err := decodeWebSafe(f.AESKeyString)
	if err != nil {
		return nil, fmt.Errorf("%w: aesKeyString: %v", ErrMalformedKey, err)
	}
	switch len(aesKey) * 8 {
	case 128, 192, 256:
	default:
		return nil, fmt.Errorf("%w: AES key is %d bits; want 128, 192 or 256", ErrMalformedKey, len(aesKey)*8)
	}
	hmacKey, err := decodeWebSafe(f.HMACKey.HMACKeyString)
	if err != nil {
		return nil, fmt.Errorf("%w: hmacKeyString: %v", ErrMalformedKey, err)
	}
	if len(hmacKey)*8 < minKeyBits {
		return nil, fmt.Errorf("%w: HMAC key is %d bits; want at least %d", ErrMalformedKey, len(hmacKey)*8, minKeyBits)
	}
	return &Key{aesKey: aesKey, hmacKey: hmacKey, hmacBits: f.HMACKey.Size}, nil
}

// decodeWebSafe is keyczar's Base64WSDecode: URL-safe alphabet, padding
// optional, whitespace ignored.
func decodeWebSafe(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// LoadKey reads a key file.
func LoadKey(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read crypto key: %w", err)
	}
	k, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("crypto key %s: %w", path, err)
	}
	return k, nil
}

// MarshalJSON writes StackStorm's key-file format.
func (k *Key) MarshalJSON() ([]byte, error) {
	var f keyFile
	f.HMACKey.HMACKeyString = base64.RawURLEncoding.EncodeToString(k.hmacKey)
	f.HMACKey.Size = k.hmacBits
	f.AESKeyString = base64.RawURLEncoding.EncodeToString(k.aesKey)
	f.Mode = "CBC"
	f.Size = len(k.aesKey) * 8
	return json.Marshal(f)
}

// WriteFile writes the key file with mode 0600, creating its directory
// with 0700. An existing file is kept unless force is set: overwriting a
// key makes every stored secret unreadable.
func (k *Key) WriteFile(path string, force bool) error {
	data, err := k.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("failed to create key directory: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("crypto key %s already exists; use --force to replace it (secrets encrypted with it become unreadable)", path)
	}
	if err != nil {
		return fmt.Errorf("failed to write crypto key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("failed to write crypto key: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
