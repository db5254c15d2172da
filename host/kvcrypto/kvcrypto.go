// Package kvcrypto encrypts datastore secrets exactly as StackStorm does,
// so that a key file and ciphertexts move between the two unchanged.
//
// Key file: keyczar's JSON, {"hmacKey": {"hmacKeyString", "size"},
// "aesKeyString", "mode": "CBC", "size"}, keys in URL-safe base64 without
// padding. Ciphertext: upper-case hex of
//
//	header (5 bytes) ‖ IV (16) ‖ AES-CBC(PKCS#7(UTF-8 text)) ‖ HMAC-SHA1(header‖IV‖ciphertext) (20)
//
// StackStorm writes the header as the ASCII bytes "00000" and never reads
// it; neither do we.
package kvcrypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

const (
	headerSize = 5
	blockSize  = aes.BlockSize
	macSize    = sha1.Size
	// minKeyBits is StackStorm's MINIMUM_AES_KEY_SIZE.
	minKeyBits = 128
)

// header is what StackStorm writes in place of keyczar's version+key hash.
var header = []byte("00000")

// Key is an AES key with its HMAC-SHA1 signing key.
type Key struct {
	aesKey  []byte
	hmacKey []byte
	// hmacBits is kept as read so that a key file round-trips unchanged.
	hmacBits int
}

// GenerateKey makes a key as st2-generate-symmetric-crypto-key does: an
// AES key of aesBits and an HMAC key of the same length, both random.
func GenerateKey(aesBits int) (*Key, error) {
	switch aesBits {
	case 128, 192, 256:
	default:
		return nil, fmt.Errorf("%w: AES key size must be 128, 192 or 256 bits, got %d", ErrMalformedKey, aesBits)
	}
	k := &Key{aesKey: make([]byte, aesBits/8), hmacKey: make([]byte, aesBits/8), hmacBits: aesBits}
	if _, err := rand.Read(k.aesKey); err != nil {
		return nil, fmt.Errorf("failed to generate key: %w", err)
	}
	if _, err := rand.Read(k.hmacKey); err != nil {
		return nil, fmt.Errorf("failed to generate key: %w", err)
	}
	return k, nil
}

// Encrypt returns the upper-case hex ciphertext of plaintext.
func (k *Key) Encrypt(plaintext string) (string, error) {
	block, err := aes.NewCipher(k.aesKey)
	if err != nil {
		return "", fmt.Errorf("failed to encrypt: %w", err)
	}
	data := pad([]byte(plaintext))
	msg := make([]byte, headerSize+blockSize+len(data), headerSize+blockSize+len(data)+macSize)
	copy(msg, header)
	iv := msg[headerSize : headerSize+blockSize]
	if _, err := rand.Read(iv); err != nil {
		return "", fmt.Errorf("failed to generate IV: %w", err)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(msg[headerSize+blockSize:], data)
	msg = append(msg, k.sign(msg)...)
	return strings.ToUpper(hex.EncodeToString(msg)), nil
}

// Decrypt checks the MAC first, in constant time, then decrypts.
func (k *Key) Decrypt(ciphertext string) (string, error) {
	raw, err := hex.DecodeString(strings.TrimSpace(ciphertext))
	if err != nil {
		return "", fmt.Errorf("%w: not hex", ErrMalformed)
	}
	body := len(raw) - headerSize - blockSize - macSize
	if body < blockSize || body%blockSize != 0 {
		return "", fmt.Errorf("%w: wrong length (%d bytes)", ErrMalformed, len(raw))
	}
	msg, mac := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	if !hmac.Equal(mac, k.sign(msg)) {
		return "", ErrIntegrity
	}
	block, err := aes.NewCipher(k.aesKey)
	if err != nil {
		return "", fmt.Errorf("failed to decrypt: %w", err)
	}
	iv := msg[headerSize : headerSize+blockSize]
	data := bytes.Clone(msg[headerSize+blockSize:])
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(data, data)
	return unpad(data)
}

func (k *Key) sign(msg []byte) []byte {
	h := hmac.New(sha1.New, k.hmacKey)
	h.Write(msg)
	return h.Sum(nil)
}

// pad applies PKCS#7 (StackStorm calls it PKCS5) to a 16-byte block.
func pad(data []byte) []byte {
	n := blockSize - len(data)%blockSize
	return append(data, bytes.Repeat([]byte{byte(n)}, n)...)
}

func unpad(data []byte) (string, error) {
	n := int(data[len(data)-1])
	if n == 0 || n > blockSize || n > len(data) {
		return "", ErrPadding
	}
	for _, b := range data[len(data)-n:] {
		if int(b) != n {
			return "", ErrPadding
		}
	}
	return string(data[:len(data)-n]), nil
}
