package pii

import (
	"bytes"
	"encoding/base64"
	"testing"
)

func keyring(t *testing.T, spec string) *Keyring {
	t.Helper()
	keys, err := ParseKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeyring(keys, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRotation(t *testing.T) {
	t.Parallel()
	k1, k2 := RandomKey(), RandomKey()
	old := keyring(t, "1:"+k1)
	sealed, err := old.Encrypt("320102199001011234", "people.citizen_id")
	if err != nil {
		t.Fatal(err)
	}
	if KeyVersion(sealed) != 1 {
		t.Fatalf("version %d", KeyVersion(sealed))
	}
	rotated := keyring(t, "1:"+k1+",2:"+k2)
	got, err := rotated.Decrypt(sealed, "people.citizen_id")
	if err != nil || got != "320102199001011234" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	fresh, _ := rotated.Encrypt("x", "c")
	if KeyVersion(fresh) != 2 {
		t.Fatalf("new values use version %d, want 2", KeyVersion(fresh))
	}
	if _, err := rotated.Decrypt(sealed, "people.phone"); err == nil {
		t.Fatal("ciphertext moved to another column decrypted")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := rotated.Decrypt(sealed, "people.citizen_id"); err == nil {
		t.Fatal("tampered ciphertext decrypted")
	}
	if _, err := keyring(t, "2:"+k2).Decrypt(fresh[:1], "c"); err == nil {
		t.Fatal("short ciphertext accepted")
	}
}

func TestParseKeysErrors(t *testing.T) {
	t.Parallel()
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	for _, spec := range []string{"", "x:" + RandomKey(), "0:" + RandomKey(), "1:" + short, "1:not base64!", "300:" + RandomKey()} {
		if _, err := ParseKeys(spec); err == nil {
			t.Errorf("ParseKeys(%q) accepted", spec)
		}
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	if got := MaskCitizenID("320102199001011234"); got != "3201**********1234" {
		t.Fatal(got)
	}
	if got := MaskPhone("13812345678"); got != "138****5678" {
		t.Fatal(got)
	}
	if got := MaskPhone("123"); got != "***" {
		t.Fatal(got)
	}
}

func TestIndexIsStableAndKeyed(t *testing.T) {
	t.Parallel()
	a := keyring(t, "1:"+RandomKey())
	if !bytes.Equal(a.Index("phone", "13812345678"), a.Index("phone", "13812345678")) {
		t.Fatal("index not stable")
	}
	if bytes.Equal(a.Index("phone", "1"), a.Index("email", "1")) {
		t.Fatal("namespaces collide")
	}
}
