// Package checkin is the rotating check-in code that an organiser shows on
// a screen (six digits, or a QR code) and a participant enters or scans:
// derived from the subject's secret (an activity's, an event's), the
// direction (in or out) and the current time window. The previous
// window's code is accepted too, so a code on a screen works for one to
// two windows and cannot be passed on for long.
package checkin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Code is a code to show participants.
type Code struct {
	Kind      string // "in" or "out"
	Code      string // six digits
	QR        string // payload for a QR code
	ExpiresAt time.Time
}

// NewSecret returns a fresh secret for a subject.
func NewSecret() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("checkin: secret: %w", err)
	}
	return b, nil
}

func codeAt(secret []byte, kind string, window int64) string {
	m := hmac.New(sha256.New, secret)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(window))
	m.Write([]byte(kind))
	m.Write(b[:])
	sum := m.Sum(nil)
	n := binary.BigEndian.Uint32(sum[:4]) % 1000000
	return fmt.Sprintf("%06d", n)
}

const qrPrefix = "zhdj-checkin:"

// Make returns the code of subject for kind at now, windows of window
// seconds long.
func Make(secret []byte, subject uuid.UUID, kind string, now time.Time, window int) Code {
	win := int64(window)
	w := now.Unix() / win
	c := codeAt(secret, kind, w)
	return Code{Kind: kind, Code: c, QR: fmt.Sprintf("%s%s:%s:%s", qrPrefix, subject, kind, c), ExpiresAt: time.Unix((w+2)*win, 0).UTC()}
}

// Verify accepts the six digits or the QR payload of the current or the
// previous window.
func Verify(secret []byte, subject uuid.UUID, kind, given string, now time.Time, window int) bool {
	given = strings.TrimSpace(given)
	if rest, ok := strings.CutPrefix(given, qrPrefix); ok {
		parts := strings.Split(rest, ":")
		if len(parts) != 3 || parts[0] != subject.String() || parts[1] != kind {
			return false
		}
		given = parts[2]
	}
	win := int64(window)
	w := now.Unix() / win
	for _, x := range []int64{w, w - 1} {
		if hmac.Equal([]byte(codeAt(secret, kind, x)), []byte(given)) {
			return true
		}
	}
	return false
}
