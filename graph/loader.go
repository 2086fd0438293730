package graph

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"zhdj/internal/account"
	"zhdj/internal/apperr"
	"zhdj/internal/content"
	"zhdj/internal/interaction"
	"zhdj/internal/media"
	"zhdj/internal/member"
	"zhdj/internal/org"
	"zhdj/internal/points"
	"zhdj/internal/search"
	"zhdj/internal/site"
	"zhdj/internal/tenant"
	"zhdj/internal/volunteer"
)

// tkey names a row of a tenant: loaders batch by tenant so that every query
// runs scoped to one tenant.
type tkey struct {
	Tenant uuid.UUID
	ID     uuid.UUID
}

// loaders batch the look-ups that nested fields make, so that a list of n
// items costs a fixed number of queries rather than n. They live for one
// operation and cache within it.
type loaders struct {
	unit      *dataloadgen.Loader[tkey, *org.Unit]
	children  *dataloadgen.Loader[tkey, []*org.Unit]
	ancestors *dataloadgen.Loader[tkey, []*org.Unit]
	unitSites *dataloadgen.Loader[tkey, []*site.Site]
	site      *dataloadgen.Loader[tkey, *site.Site]
	school    *dataloadgen.Loader[uuid.UUID, *tenant.Tenant]
	// account loads accounts of the caller's tenant; accountRoles their
	// role bindings (as far as the caller may see them).
	account      *dataloadgen.Loader[uuid.UUID, *account.Account]
	accountRoles *dataloadgen.Loader[uuid.UUID, []account.BindingInfo]
	// memberEvents and memberTransfers load histories in the caller's tenant.
	memberEvents    *dataloadgen.Loader[uuid.UUID, []*member.Event]
	memberTransfers *dataloadgen.Loader[uuid.UUID, []*member.Transfer]
	// media loads files visible to the caller (with their derivatives).
	media *dataloadgen.Loader[tkey, *media.Media]
	// content loads items the caller may see; contentSites the sites each
	// appears on.
	content      *dataloadgen.Loader[tkey, *content.Content]
	contentSites *dataloadgen.Loader[tkey, []uuid.UUID]
	// partnerActivities loads partners' latest activities.
	partnerActivities *dataloadgen.Loader[partnerKey, []*volunteer.Activity]
	// searchState loads what the search index holds of content items.
	searchState *dataloadgen.Loader[tkey, *search.State]
	// pointsEntry loads ledger entries (an appeal's).
	pointsEntry *dataloadgen.Loader[tkey, *points.Entry]
	// replies loads the threads of suggestions the caller read.
	replies    *dataloadgen.Loader[tkey, []*interaction.Reply]
	suggestion *dataloadgen.Loader[tkey, *interaction.Suggestion]
}

// partnerKey names a partner, how many of its activities to load and
// whether with their descriptions.
type partnerKey struct {
	tkey
	n           int
	description volunteer.DescriptionOption
}

type loadersKey struct{}

// loaderWait is how long a loader collects keys before it queries. The
// executor resolves sibling fields concurrently, so keys of one list arrive
// within microseconds of each other.
const loaderWait = 2 * time.Millisecond

func (r *Resolver) newLoaders() *loaders {
	w := dataloadgen.WithWait(loaderWait)
	return &loaders{
		unit: dataloadgen.NewLoader(traced(r.Tracer, "unit", func(ctx context.Context, keys []tkey) ([]*org.Unit, []error) {
			return byTenant(ctx, keys, r.Org.UnitsByID, true, "org unit")
		}), w),
		children: dataloadgen.NewLoader(traced(r.Tracer, "children", func(ctx context.Context, keys []tkey) ([][]*org.Unit, []error) {
			return byTenant(ctx, keys, func(ctx context.Context, t uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]*org.Unit, error) {
				return r.Org.Children(ctx, t, ids, false)
			}, false, "")
		}), w),
		ancestors: dataloadgen.NewLoader(traced(r.Tracer, "ancestors", func(ctx context.Context, keys []tkey) ([][]*org.Unit, []error) {
			return byTenant(ctx, keys, r.Org.Ancestors, false, "")
		}), w),
		unitSites: dataloadgen.NewLoader(traced(r.Tracer, "unitSites", func(ctx context.Context, keys []tkey) ([][]*site.Site, []error) {
			return byTenant(ctx, keys, func(ctx context.Context, t uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]*site.Site, error) {
				return r.Sites.ByOrgUnits(ctx, t, ids, false)
			}, false, "")
		}), w),
		site: dataloadgen.NewLoader(traced(r.Tracer, "site", func(ctx context.Context, keys []tkey) ([]*site.Site, []error) {
			return byTenant(ctx, keys, r.Sites.ByIDs, true, "site")
		}), w),
		school: dataloadgen.NewLoader(traced(r.Tracer, "school", func(ctx context.Context, ids []uuid.UUID) ([]*tenant.Tenant, []error) {
			found, err := r.Tenants.ByIDs(ctx, ids)
			return inKeyOrder(ids, found, err, true, "school")
		}), w),
		account: dataloadgen.NewLoader(traced(r.Tracer, "account", func(ctx context.Context, ids []uuid.UUID) ([]*account.Account, []error) {
			found, err := r.Identities.ByIDs(ctx, ids)
			return inKeyOrder(ids, found, err, false, "account")
		}), w),
		accountRoles: dataloadgen.NewLoader(traced(r.Tracer, "accountRoles", func(ctx context.Context, ids []uuid.UUID) ([][]account.BindingInfo, []error) {
			found, err := r.Identities.RolesOf(ctx, ids)
			return inKeyOrder(ids, found, err, false, "")
		}), w),
		memberEvents: dataloadgen.NewLoader(traced(r.Tracer, "memberEvents", func(ctx context.Context, ids []uuid.UUID) ([][]*member.Event, []error) {
			found, err := r.People.Events(ctx, ids)
			return inKeyOrder(ids, found, err, false, "")
		}), w),
		media: dataloadgen.NewLoader(traced(r.Tracer, "media", func(ctx context.Context, keys []tkey) ([]*media.Media, []error) {
			return byTenant(ctx, keys, r.Files.ByIDs, true, "media")
		}), w),
		content: dataloadgen.NewLoader(traced(r.Tracer, "content", func(ctx context.Context, keys []tkey) ([]*content.Content, []error) {
			return byTenant(ctx, keys, r.Publishing.ByIDs, true, "content")
		}), w),
		replies: dataloadgen.NewLoader(traced(r.Tracer, "replies", func(ctx context.Context, keys []tkey) ([][]*interaction.Reply, []error) {
			return byTenant(ctx, keys, r.Talk.Replies, false, "")
		}), w),
		suggestion: dataloadgen.NewLoader(traced(r.Tracer, "suggestion", func(ctx context.Context, keys []tkey) ([]*interaction.Suggestion, []error) {
			return byTenant(ctx, keys, r.Talk.ByIDs, true, "suggestion")
		}), w),
		contentSites: dataloadgen.NewLoader(traced(r.Tracer, "contentSites", func(ctx context.Context, keys []tkey) ([][]uuid.UUID, []error) {
			return byTenant(ctx, keys, r.Publishing.SiteIDs, false, "")
		}), w),
		partnerActivities: dataloadgen.NewLoader(traced(r.Tracer, "partnerActivities", func(ctx context.Context, keys []partnerKey) ([][]*volunteer.Activity, []error) {
			// One query per tenant, page size and description option (a
			// request asks for one).
			groups := map[partnerKey][]uuid.UUID{}
			for _, k := range keys {
				g := partnerKey{tkey{Tenant: k.Tenant}, k.n, k.description}
				groups[g] = append(groups[g], k.ID)
			}
			found := map[partnerKey][]*volunteer.Activity{}
			failed := map[partnerKey]error{}
			for g, ids := range groups {
				m, err := r.Volunteer.PartnerActivities(ctx, g.Tenant, ids, g.n, g.description)
				if err != nil {
					failed[g] = err
					continue
				}
				for id, as := range m {
					found[partnerKey{tkey{g.Tenant, id}, g.n, g.description}] = as
				}
			}
			out, errs := make([][]*volunteer.Activity, len(keys)), make([]error, len(keys))
			for i, k := range keys {
				if err, ok := failed[partnerKey{tkey{Tenant: k.Tenant}, k.n, k.description}]; ok {
					errs[i] = err
					continue
				}
				out[i] = found[k]
				if out[i] == nil {
					out[i] = []*volunteer.Activity{}
				}
			}
			return out, errs
		}), w),
		searchState: dataloadgen.NewLoader(traced(r.Tracer, "searchState", func(ctx context.Context, keys []tkey) ([]*search.State, []error) {
			return byTenant(ctx, keys, func(ctx context.Context, t uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*search.State, error) {
				return r.Finder.States(ctx, t, search.KindContent, ids)
			}, false, "")
		}), w),
		pointsEntry: dataloadgen.NewLoader(traced(r.Tracer, "pointsEntry", func(ctx context.Context, keys []tkey) ([]*points.Entry, []error) {
			return byTenant(ctx, keys, r.Ledger.EntriesByIDs, false, "")
		}), w),
		memberTransfers: dataloadgen.NewLoader(traced(r.Tracer, "memberTransfers", func(ctx context.Context, ids []uuid.UUID) ([][]*member.Transfer, []error) {
			found, err := r.People.Transfers(ctx, ids)
			return inKeyOrder(ids, found, err, false, "")
		}), w),
	}
}

func withLoaders(ctx context.Context, l *loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	if l == nil {
		panic("graph: no loaders in context; the operation middleware is not installed")
	}
	return l
}

// byTenant runs fetch once per tenant among keys and returns the results in
// key order. When required, a key with no result gets a NotFound error
// naming what; otherwise it gets the zero value.
func byTenant[V any](ctx context.Context, keys []tkey, fetch func(context.Context, uuid.UUID, []uuid.UUID) (map[uuid.UUID]V, error), required bool, what string) ([]V, []error) {
	groups := map[uuid.UUID][]uuid.UUID{}
	for _, k := range keys {
		groups[k.Tenant] = append(groups[k.Tenant], k.ID)
	}
	found := map[tkey]V{}
	failed := map[uuid.UUID]error{}
	for t, ids := range groups {
		m, err := fetch(ctx, t, ids)
		if err != nil {
			failed[t] = err
			continue
		}
		for id, v := range m {
			found[tkey{t, id}] = v
		}
	}
	out, errs := make([]V, len(keys)), make([]error, len(keys))
	for i, k := range keys {
		if err, ok := failed[k.Tenant]; ok {
			errs[i] = err
			continue
		}
		v, ok := found[k]
		if !ok && required {
			errs[i] = apperr.NotFoundf("%s not found", what)
			continue
		}
		out[i] = v
	}
	return out, errs
}

func inKeyOrder[K comparable, V any](keys []K, found map[K]V, err error, required bool, what string) ([]V, []error) {
	out, errs := make([]V, len(keys)), make([]error, len(keys))
	for i, k := range keys {
		v, ok := found[k]
		switch {
		case err != nil:
			errs[i] = err
		case !ok && required:
			errs[i] = apperr.NotFoundf("%s not found", what)
		default:
			out[i] = v
		}
	}
	return out, errs
}
