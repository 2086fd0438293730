package tracing

import "testing"

func TestStatementName(t *testing.T) {
	for sql, want := range map[string]string{
		"-- name: UnitsByIDs :many\nSELECT id FROM org_unit WHERE id = ANY($1)": "UnitsByIDs",
		"  select * from content where slug = $1":                               "SELECT",
		"BEGIN":    "BEGIN",
		"":         "",
		"-- name:": "--",
		"WITH_A_VERY_LONG_WORD_THAT_GOES_ON_AND_ON_AND_ON x": "WITH_A_VERY_LONG_WORD_THAT_GOES_",
	} {
		if got := statementName(sql); got != want {
			t.Errorf("statementName(%q) = %q, want %q", sql, got, want)
		}
	}
}
