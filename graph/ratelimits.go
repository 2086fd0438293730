package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"zhdj/internal/audit"
	"zhdj/internal/auth"
)

// RateLimiter counts one use of a rule by subject (a client address or an
// account) in school (uuid.Nil when the caller is anonymous), or answers a
// RateLimited error.
type RateLimiter interface {
	Allow(school uuid.UUID, rule, subject string) error
}

// limitedFields are the root fields that count against a rule beyond the
// operation itself (rule "graphql", per client address), and by whom.
var limitedFields = map[string]struct {
	rule      string
	byAccount bool
	// andAddress is a second rule, per client address (posts: a person
	// and an address each have a limit).
	andAddress string
}{
	"Mutation.postSuggestion":       {"post", true, "post_address"},
	"Mutation.replySuggestion":      {"post", true, "post_address"},
	"Mutation.postComment":          {"post", true, "post_address"},
	"Query.search":                  {"search", false, ""},
	"Mutation.signUp":               {"signup", true, ""},
	"Mutation.recordProgress":       {"progress", true, ""},
	"Mutation.checkInEvent":         {"checkin", true, ""}, // a six-digit code: no guessing
	"Mutation.attend":               {"checkin", true, ""},
	"Mutation.importQuestions":      {"import", true, ""},
	"Mutation.uploadImage":          {"upload", true, ""},
	"Mutation.createUpload":         {"upload", true, ""},
	"Mutation.importMembers":        {"import", true, ""},
	"Mutation.exportMembers":        {"export", true, ""},
	"Mutation.exportActivityRoster": {"export", true, ""},
}

// callerOf is the school and the subject a rule counts for: the account
// when byAccount and signed in, else the client address.
func callerOf(ctx context.Context, byAccount bool) (uuid.UUID, string) {
	school := uuid.Nil
	p := auth.FromContext(ctx)
	if p != nil && !p.System {
		school = p.TenantID
		if byAccount {
			return school, "account:" + p.AccountID.String()
		}
	}
	return school, "ip:" + audit.ClientIP(ctx)
}

// limitRootFields refuses a limited root field past its rule, leaving the
// operation's other fields to run. An anonymous caller of a field with a
// site argument (search) counts in that site's school, so that the
// school's own limits apply to its public visitors too.
func limitRootFields(l RateLimiter, r *Resolver) graphql.RootFieldMiddleware {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		oc, field := graphql.GetOperationContext(ctx), graphql.GetRootFieldContext(ctx).Field
		root := "Query."
		if oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
			root = "Mutation."
		}
		if f, ok := limitedFields[root+field.Name]; ok {
			school, subject := callerOf(ctx, f.byAccount)
			if school == uuid.Nil && oc != nil && r != nil && r.Sites != nil {
				// The site's route is cached: the resolver reads it again for free.
				if slug, ok := field.ArgumentMap(oc.Variables)["site"].(string); ok {
					if ref, err := r.siteRef(ctx, slug); err == nil {
						school = ref.TenantID
					}
				}
			}
			if err := l.Allow(school, f.rule, subject); err != nil {
				graphql.AddError(ctx, err)
				return graphql.Null
			}
			if f.andAddress != "" {
				_, address := callerOf(ctx, false)
				if err := l.Allow(school, f.andAddress, address); err != nil {
					graphql.AddError(ctx, err)
					return graphql.Null
				}
			}
		}
		return next(ctx)
	}
}
