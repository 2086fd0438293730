package model

import (
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalJSON writes a raw JSON value as the JSON scalar.
func MarshalJSON(v json.RawMessage) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if len(v) == 0 {
			_, _ = io.WriteString(w, "null")
			return
		}
		_, _ = w.Write(v)
	})
}

// UnmarshalJSON accepts any GraphQL input value as the JSON scalar.
func UnmarshalJSON(v any) (json.RawMessage, error) {
	return json.Marshal(v)
}
