package account

import (
	"fmt"
	"strings"
	"unicode"
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

// Check reports what is wrong with password, naming field. personal are
// the account's own words (its username, the school's code, its phone
// number, …): a password that is little more than them, or them around a
// common password, is refused, as is one on the list of breached and
// common passwords (see isCommonPassword).
func (pp PasswordPolicy) Check(field, password string, personal ...string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < pp.MinLength:
		return apperr.InvalidField(field, fmt.Sprintf("must be at least %d characters", pp.MinLength))
	case n > pp.MaxLength:
		return apperr.InvalidField(field, fmt.Sprintf("must be at most %d characters", pp.MaxLength))
	case isCommonPassword(password):
		return apperr.InvalidField(field, "is too common (it is on the lists of leaked passwords); choose another")
	}
	// As written, and without separators (139-1234-5678).
	squeezed := separators.Replace(password)
	for _, candidate := range []string{password, squeezed} {
		rest, used := withoutPersonal(candidate, personal)
		if !used {
			continue
		}
		core := strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf && !unicode.IsLetter(r) {
				return -1 // digits and ASCII punctuation: a year, a "!", …
			}
			return r
		}, rest)
		if utf8.RuneCountInString(rest) < max(pp.MinLength/2, 4) || utf8.RuneCountInString(core) < 3 || isCommonPassword(rest) || isCommonPassword(core) {
			return apperr.InvalidField(field, "is too close to your username, school code or phone number; choose another")
		}
	}
	return nil
}

// withoutPersonal removes from password, lower-cased, every occurrence of
// the personal words (and the separators around what is left), and says
// whether there was one.
func withoutPersonal(password string, personal []string) (string, bool) {
	rest, used := strings.ToLower(password), false
	for _, w := range personal {
		w = strings.ToLower(strings.TrimSpace(w))
		// Three characters or more, or two for a Chinese name (张三).
		if n := utf8.RuneCountInString(w); (n < 3 && (n < 2 || len(w) == n)) || !strings.Contains(rest, w) {
			continue
		}
		rest, used = strings.ReplaceAll(rest, w, ""), true
	}
	return strings.Trim(rest, " ._-@"), used
}

// separators are what people put between the parts of a number or name.
var separators = strings.NewReplacer(" ", "", "-", "", ".", "", "_", "")

// PhonesIn returns the mainland mobile numbers (11 digits starting with
// 1) written in password, with or without separators, for checking
// against the account's own.
func PhonesIn(password string) []string {
	out := phonesIn(password)
	if squeezed := separators.Replace(password); squeezed != password {
		out = append(out, phonesIn(squeezed)...)
	}
	return out
}

func phonesIn(password string) []string {
	var out []string
	digits := 0
	for i := 0; i <= len(password); i++ {
		if i < len(password) && password[i] >= '0' && password[i] <= '9' {
			digits++
			continue
		}
		for start := i - digits; start+11 <= i; start++ {
			if password[start] == '1' {
				out = append(out, password[start:start+11])
			}
		}
		digits = 0
	}
	return out
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
