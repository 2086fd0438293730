package account

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"zhdj/internal/apperr"
)

// PasswordPolicy is what a new password must satisfy.
type PasswordPolicy struct {
	MinLength int
	MaxLength int
}

// DefaultPasswordPolicy is the policy unless configured otherwise.
var DefaultPasswordPolicy = PasswordPolicy{MinLength: 10, MaxLength: 128}

// commonPasswords are refused outright: the most used passwords worldwide
// and in China (dictionary words, keyboard walks, 520/1314 love numbers).
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`
123456 123456789 12345678 1234567890 12345 1234567 123123 111111 000000 666666 888888
123456a a123456 123456abc abc123456 password password1 password123 p@ssw0rd passw0rd
qwerty qwerty123 qwertyuiop 1qaz2wsx 1q2w3e4r 1q2w3e4r5t qazwsx asdfghjkl zxcvbnm
iloveyou woaini woaini1314 woaini520 5201314 1314520 520520 aini1314 caonima
admin admin123 admin@123 administrator root123 welcome welcome1 letmein dragon monkey
abc123 abcd1234 aa123456 a1234567 a12345678 abcdefg 11111111 00000000 88888888
zhangwei wangwei lilei 147258369 147258 159357 654321 987654321 super123 sunshine
dangjian dangjian123 zhdj123456 gongchandang party123 changeme changeme123
`) {
		commonPasswords[p] = true
	}
}

// Check reports what is wrong with password for username, naming field.
func (pp PasswordPolicy) Check(field, username, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < pp.MinLength:
		return apperr.InvalidField(field, fmt.Sprintf("must be at least %d characters", pp.MinLength))
	case n > pp.MaxLength:
		return apperr.InvalidField(field, fmt.Sprintf("must be at most %d characters", pp.MaxLength))
	case strings.EqualFold(password, username):
		return apperr.InvalidField(field, "must not be the username")
	case commonPasswords[strings.ToLower(password)]:
		return apperr.InvalidField(field, "is too common; choose another")
	}
	return nil
}

// Hasher hashes passwords with argon2id.
type Hasher struct {
	params *argon2id.Params
	// dummy is compared against when an account does not exist, so that an
	// unknown username costs the same time as a wrong password.
	dummy string
}

// DefaultArgon2 are the argon2id parameters unless configured otherwise
// (64 MiB, 2 passes, 2 lanes, 16-byte salt, 32-byte key).
var DefaultArgon2 = argon2id.Params{Memory: 64 * 1024, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// NewHasher returns a Hasher with params.
func NewHasher(params argon2id.Params) (*Hasher, error) {
	h := &Hasher{params: &params}
	d, err := argon2id.CreateHash("dummy password for timing", h.params)
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

// Hash returns the encoded argon2id hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	return argon2id.CreateHash(password, h.params)
}

// Verify reports whether password matches hash; an empty hash is compared
// against the dummy hash and never matches.
func (h *Hasher) Verify(password, hash string) bool {
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, h.dummy)
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}
