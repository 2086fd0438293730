package meili

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Filter builds a Meilisearch filter expression from typed values. User
// input only ever enters as a quoted string value (escaped), never as
// syntax: a value holding quotes, OR, brackets or backslashes stays one
// literal value.
type Filter struct {
	clauses []string
}

// Quote returns s as a double-quoted filter string literal.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// attribute names are ours, never the caller's; they are checked anyway.
func attr(name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			panic("meili: bad attribute name " + strconv.Quote(name))
		}
	}
	return name
}

// Eq requires attribute = value.
func (f *Filter) Eq(attribute, value string) *Filter {
	f.clauses = append(f.clauses, attr(attribute)+" = "+Quote(value))
	return f
}

// Bool requires attribute = true/false.
func (f *Filter) Bool(attribute string, v bool) *Filter {
	f.clauses = append(f.clauses, attr(attribute)+" = "+strconv.FormatBool(v))
	return f
}

// In requires attribute to be (or, for an array attribute, to hold) one of
// values; no values adds nothing.
func (f *Filter) In(attribute string, values []string) *Filter {
	if len(values) == 0 {
		return f
	}
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = Quote(v)
	}
	f.clauses = append(f.clauses, attr(attribute)+" IN ["+strings.Join(q, ", ")+"]")
	return f
}

// InIDs is In over ids.
func (f *Filter) InIDs(attribute string, ids []uuid.UUID) *Filter {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return f.In(attribute, s)
}

// AtLeast requires attribute >= t (as Unix seconds).
func (f *Filter) AtLeast(attribute string, t time.Time) *Filter {
	f.clauses = append(f.clauses, attr(attribute)+" >= "+strconv.FormatInt(t.Unix(), 10))
	return f
}

// Before requires attribute < t (as Unix seconds).
func (f *Filter) Before(attribute string, t time.Time) *Filter {
	f.clauses = append(f.clauses, attr(attribute)+" < "+strconv.FormatInt(t.Unix(), 10))
	return f
}

// String is the whole expression: every clause must hold.
func (f *Filter) String() string {
	return strings.Join(f.clauses, " AND ")
}
