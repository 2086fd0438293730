// Package pii protects personal identifiers (citizen ID numbers, phone
// numbers) at rest: AES-256-GCM encryption with versioned keys so that keys
// can rotate, a keyed hash (HMAC-SHA-256 "blind index") for exact look-ups
// and uniqueness without decrypting, and the masked forms shown to viewers
// who may not see the whole value.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Keyring holds the encryption keys by version and the index key.
type Keyring struct {
	active   byte
	aeads    map[byte]cipher.AEAD
	indexKey []byte
}

// ParseKeys parses "VERSION:BASE64KEY,…" (32-byte keys, versions 1–255).
// The highest version encrypts; every listed version decrypts.
func ParseKeys(spec string) (map[byte][]byte, error) {
	out := map[byte][]byte{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, k, ok := strings.Cut(part, ":")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 || n > 255 {
			return nil, fmt.Errorf("key %q: want VERSION:BASE64 with VERSION 1–255", redact(part))
		}
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("key version %d: want 32 bytes in base64", n)
		}
		out[byte(n)] = key
	}
	if len(out) == 0 {
		return nil, errors.New("no keys given")
	}
	return out, nil
}

func redact(s string) string {
	if v, _, ok := strings.Cut(s, ":"); ok {
		return v + ":…"
	}
	return "…"
}

// NewKeyring returns a keyring over keys (by version) and a 32-byte index key.
func NewKeyring(keys map[byte][]byte, indexKey []byte) (*Keyring, error) {
	if len(indexKey) < 32 {
		return nil, errors.New("pii: index key must be at least 32 bytes")
	}
	k := &Keyring{aeads: map[byte]cipher.AEAD{}, indexKey: indexKey}
	versions := make([]int, 0, len(keys))
	for v, key := range keys {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("pii: key %d: %w", v, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[v] = aead
		versions = append(versions, int(v))
	}
	if len(versions) == 0 {
		return nil, errors.New("pii: no encryption keys")
	}
	sort.Ints(versions)
	k.active = byte(versions[len(versions)-1])
	return k, nil
}

// Column is a column of sealed values: its table (keyed by tenant_id and
// id, as every tenant table is) and the context its values are sealed
// with. Each domain lists its own; key rotation reseals them all.
type Column struct {
	Table, Column, Context string
}

// Versions are the key versions the keyring opens, lowest first.
func (k *Keyring) Versions() []int {
	out := make([]int, 0, len(k.aeads))
	for v := range k.aeads {
		out = append(out, int(v))
	}
	sort.Ints(out)
	return out
}

// Active is the key version that seals new values.
func (k *Keyring) Active() int { return int(k.active) }

// Reseal opens a value sealed with any known key and seals it again with
// the active one.
func (k *Keyring) Reseal(sealed []byte, context string) ([]byte, error) {
	plain, err := k.Decrypt(sealed, context)
	if err != nil {
		return nil, err
	}
	return k.Encrypt(plain, context)
}

// checkText is what key check values are computed over.
const checkText = "zhdj key check value"

// KeyChecks returns a check value of each encryption key (by version) and
// of the index key ("index"): 8 bytes that tell whether two keyrings hold
// the same keys, and reveal nothing of them (a backup's manifest records
// them, a restore compares). An encryption key's is its AEAD's seal of a
// fixed text under the zero nonce (the classic key check value; no other
// text is ever sealed under that nonce, the random nonces of Encrypt do
// not repeat it but with negligible chance), the index key's an HMAC.
func (k *Keyring) KeyChecks() map[string]string {
	out := make(map[string]string, len(k.aeads)+1)
	for v, a := range k.aeads {
		sealed := a.Seal(nil, make([]byte, a.NonceSize()), []byte(checkText), nil)
		out[strconv.Itoa(int(v))] = hex.EncodeToString(sealed[:8])
	}
	mac := hmac.New(sha256.New, k.indexKey)
	mac.Write([]byte(checkText))
	out["index"] = hex.EncodeToString(mac.Sum(nil)[:8])
	return out
}

// RandomKey returns a fresh 32-byte key in base64, for local setups.
func RandomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Encrypt seals plaintext with the active key. The result is
// version (1 byte) | nonce | ciphertext+tag. context binds the ciphertext to
// its place (e.g. "people.citizen_id"), so it cannot be moved to another column.
func (k *Keyring) Encrypt(plaintext, context string) ([]byte, error) {
	aead := k.aeads[k.active]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+aead.Overhead())
	out = append(out, k.active)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, []byte(plaintext), []byte(context)), nil
}

// Decrypt opens a value sealed by Encrypt with any known key version.
func (k *Keyring) Decrypt(sealed []byte, context string) (string, error) {
	if len(sealed) < 1 {
		return "", errors.New("pii: empty ciphertext")
	}
	aead, ok := k.aeads[sealed[0]]
	if !ok {
		return "", fmt.Errorf("pii: no key version %d", sealed[0])
	}
	ns := aead.NonceSize()
	if len(sealed) < 1+ns+aead.Overhead() {
		return "", errors.New("pii: ciphertext too short")
	}
	plain, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(context))
	if err != nil {
		return "", fmt.Errorf("pii: decrypt: %w", err)
	}
	return string(plain), nil
}

// KeyVersion returns the key version a sealed value was encrypted with.
func KeyVersion(sealed []byte) int {
	if len(sealed) == 0 {
		return 0
	}
	return int(sealed[0])
}

// Index returns the blind index of a normalised value in a namespace
// (e.g. "citizen_id"): equal values give equal indexes, and nothing about
// the value can be learnt without the index key.
func (k *Keyring) Index(namespace, value string) []byte {
	m := hmac.New(sha256.New, k.indexKey)
	m.Write([]byte(namespace))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// MaskCitizenID keeps the first 4 and last 4 characters: 3201**********1234.
func MaskCitizenID(id string) string { return mask(id, 4, 4) }

// MaskPhone keeps the first 3 and last 4 digits: 138****5678.
func MaskPhone(phone string) string { return mask(phone, 3, 4) }

func mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", utf8.RuneCountInString(s))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
