package graph

// subjectIDType is the ID type of what a notification or a warning is
// about, by the subject type the domains write.
func subjectIDType(subjectType string) idType {
	switch subjectType {
	case "event":
		return idEvent
	case "points_appeal":
		return idPointsAppeal
	case "warning":
		return idWarning
	case "person":
		return idMember
	case "org_unit":
		return idOrgUnit
	case "suggestion":
		return idSuggestion
	}
	return idTask
}
