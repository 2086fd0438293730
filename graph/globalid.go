package graph

import (
	"encoding/base64"
	"fmt"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// idType tags what a global ID names. Values are stored in IDs clients hold:
// never renumber them.
type idType byte

const (
	idSchool           idType = 1
	idOrgUnit          idType = 2
	idSite             idType = 3
	idAccount          idType = 4
	idMember           idType = 5
	idMedia            idType = 6
	idContent          idType = 7
	idActivity         idType = 8
	idSignUp           idType = 9
	idPartner          idType = 10
	idVolunteerArea    idType = 11
	idVolunteerTopic   idType = 12
	idRecordEntry      idType = 13
	idLearning         idType = 14
	idTask             idType = 15
	idSubmission       idType = 16
	idNotification     idType = 17
	idEvent            idType = 18
	idQuestion         idType = 19
	idQuiz             idType = 20
	idQuizAttempt      idType = 21
	idPointsEntry      idType = 22
	idPointsRule       idType = 23
	idAssessmentScheme idType = 24
	idPointsAppeal     idType = 25
	idWarning          idType = 26
	idSuggestion       idType = 27
	idSuggestionReply  idType = 28
	idComment          idType = 29

	// idLast is the highest type; keep it last.
	idLast = idComment
)

func (t idType) String() string {
	switch t {
	case idSchool:
		return "School"
	case idOrgUnit:
		return "OrgUnit"
	case idSite:
		return "Site"
	case idAccount:
		return "Account"
	case idMember:
		return "Member"
	case idMedia:
		return "Media"
	case idContent:
		return "Content"
	case idActivity:
		return "Activity"
	case idSignUp:
		return "SignUp"
	case idPartner:
		return "Partner"
	case idVolunteerArea:
		return "VolunteerArea"
	case idVolunteerTopic:
		return "VolunteerTopic"
	case idRecordEntry:
		return "VolunteerRecordEntry"
	case idLearning:
		return "LearningSession"
	case idTask:
		return "Task"
	case idSubmission:
		return "TaskSubmission"
	case idNotification:
		return "Notification"
	case idEvent:
		return "Event"
	case idQuestion:
		return "Question"
	case idQuiz:
		return "Quiz"
	case idQuizAttempt:
		return "QuizAttempt"
	case idPointsEntry:
		return "PointsEntry"
	case idPointsRule:
		return "PointsRule"
	case idAssessmentScheme:
		return "AssessmentScheme"
	case idPointsAppeal:
		return "PointsAppeal"
	case idWarning:
		return "Warning"
	case idSuggestion:
		return "Suggestion"
	case idSuggestionReply:
		return "SuggestionReply"
	case idComment:
		return "Comment"
	}
	return fmt.Sprintf("idType(%d)", byte(t))
}

// globalID is the decoded form of an opaque ID: the object's type, its
// tenant and its id. Carrying the tenant lets a public request for any
// object be scoped to one tenant before a single row is read.
type globalID struct {
	Type   idType
	Tenant uuid.UUID
	ID     uuid.UUID
}

// encodeID returns the opaque ID: base64url of type (1 byte), tenant and id
// (16 bytes each). For a school, tenant and id are the same.
func encodeID(t idType, tenant, id uuid.UUID) string {
	var b [33]byte
	b[0] = byte(t)
	copy(b[1:17], tenant[:])
	copy(b[17:], id[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeID parses an opaque ID. A malformed ID is Invalid, naming field.
func decodeID(field, s string) (globalID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 33 || b[0] < byte(idSchool) || b[0] > byte(idLast) {
		return globalID{}, apperr.InvalidField(field, "is not a valid ID")
	}
	var g globalID
	g.Type = idType(b[0])
	copy(g.Tenant[:], b[1:17])
	copy(g.ID[:], b[17:])
	return g, nil
}

// decodeIDOf parses an ID that must name an object of type want.
func decodeIDOf(field, s string, want idType) (globalID, error) {
	g, err := decodeID(field, s)
	if err != nil {
		return g, err
	}
	if g.Type != want {
		return g, apperr.InvalidField(field, "is not the ID of a "+want.String())
	}
	return g, nil
}

func decodeIDsOf(field string, ids []string, want idType) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(ids))
	for _, s := range ids {
		g, err := decodeIDOf(field, s, want)
		if err != nil {
			return nil, err
		}
		out = append(out, g.ID)
	}
	return out, nil
}

func optionalIDOf(field string, id *string, want idType) (*uuid.UUID, error) {
	if id == nil {
		return nil, nil
	}
	g, err := decodeIDOf(field, *id, want)
	if err != nil {
		return nil, err
	}
	return &g.ID, nil
}

func optionalUnit(field string, id *string) (*uuid.UUID, error) {
	if id == nil {
		return nil, nil
	}
	g, err := decodeIDOf(field, *id, idOrgUnit)
	if err != nil {
		return nil, err
	}
	return &g.ID, nil
}
