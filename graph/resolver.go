package graph

import (
	"go.opentelemetry.io/otel/trace"

	"time"

	"zhdj/internal/account"
	"zhdj/internal/audit"
	"zhdj/internal/cockpit"
	"zhdj/internal/content"
	"zhdj/internal/interaction"
	"zhdj/internal/learning"
	"zhdj/internal/live"
	"zhdj/internal/media"
	"zhdj/internal/meeting"
	"zhdj/internal/member"
	"zhdj/internal/moderation"
	"zhdj/internal/notify"
	"zhdj/internal/org"
	"zhdj/internal/points"
	"zhdj/internal/quiz"
	"zhdj/internal/search"
	"zhdj/internal/site"
	"zhdj/internal/task"
	"zhdj/internal/tenant"
	"zhdj/internal/volunteer"
	"zhdj/internal/warning"
)

// Resolver holds the domain services the resolvers call. Resolvers only
// translate between GraphQL and these services: no SQL, no rules.
type Resolver struct {
	Tenants    *tenant.Service
	Org        *org.Service
	Sites      *site.Service
	Identities *account.Service
	Audit      *audit.Service
	People     *member.Service
	Files      *media.Service
	// Publishing is the content service (articles, micro-lessons, comics).
	Publishing *content.Service
	// Volunteer is the volunteer service (activities, sign-ups, hours).
	Volunteer *volunteer.Service
	// Learning is what members study (progress, learning facts).
	Learning *learning.Service
	// Work is the tasks units ask of their members (publishing, submissions, reviews).
	Work *task.Service
	// Meetings is the events of organisational life (三会一课).
	Meetings *meeting.Service
	// Answering is the question bank, quizzes and attempts (答题).
	Answering *quiz.Service
	// Inbox is each person's notifications.
	Inbox *notify.Service
	// Ledger is the points ledger and its rules (积分).
	Ledger *points.Service
	// Figures is the data cockpit (党建数据座舱).
	Figures *cockpit.Service
	// Finder answers searches and reports indexing state.
	Finder *search.Service
	// Supervision lists and answers early warnings.
	Supervision *warning.Service
	// Talk is suggestions and comments; Moderation the word list and bans.
	Talk       *interaction.Service
	Moderation *moderation.Service
	// Live carries what changed to subscriptions; LiveEvery bounds how
	// often a cockpit subscription is sent again.
	Live      *live.Hub
	LiveEvery time.Duration
	// Tracer, when set, makes a span of each GraphQL operation, root field
	// and loader batch.
	Tracer trace.Tracer
}
