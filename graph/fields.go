package graph

import (
	"errors"

	"zhdj/internal/apperr"
)

// Domains name the fields of their errors in their own terms ("title",
// "lesson.videoId", "orgUnit"); the schema decides where each came in.
// inputErr is the one place that maps them: every field of an Invalid or
// Conflict error goes under base ("input", "input.activity"), except the
// names in at, which have paths of their own (an input whose schema nests
// part of what the domain takes as one). With base "", names not in at
// stay as they are: they name the fields of what the mutation changed
// (an item that cannot be published), not of its input. Other errors pass
// unchanged.
func inputErr(err error, base string, at map[string]string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	out := *ae
	out.Fields = make(map[string]string, len(ae.Fields))
	for name, problem := range ae.Fields {
		path, ok := at[name]
		switch {
		case ok:
		case base == "":
			path = name
		default:
			path = base + "." + name
		}
		out.Fields[path] = problem
	}
	return &out
}
