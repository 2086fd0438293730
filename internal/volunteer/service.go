package volunteer

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/gather"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
)

// Service is the volunteer use cases, one file each: the taxonomy and
// partners (taxonomy.go), activities (activities.go), sign-ups and the
// waitlist (signup.go), attendance, hours and co-signing (attendance.go),
// browsing (browse.go), personal records (records.go) and roster exports
// (export.go).
type Service struct {
	pool    *pgxpool.Pool
	keyring *pii.Keyring
	points  PointsAwarder
	now     func() time.Time
	// facets caches facet counts per tenant and filter for a few seconds:
	// they are menu hints, and counting is the costliest part of a browse.
	facets *expirable.LRU[string, facetCounts]
	// signUps gathers sign-ups for one activity that arrive while the
	// previous ones are being written (see signup.go).
	signUps *gather.Queue[activityKey, *signUpRequest]
	// batchWritten is told of each sign-up batch (see ObserveSignUpBatches).
	batchWritten func(size, alone int)
}

type facetCounts struct {
	areas  []AreaCount
	topics []TopicCount
}

// FacetCacheTTL is how long facet counts may lag behind sign-ups and edits.
const FacetCacheTTL = 5 * time.Second

// NewService returns a Service. points receives confirmed hours (nil: none).
func NewService(pool *pgxpool.Pool, keyring *pii.Keyring, points PointsAwarder) *Service {
	if points == nil {
		points = noPoints{}
	}
	return &Service{pool: pool, keyring: keyring, points: points, now: time.Now,
		facets:  expirable.NewLRU[string, facetCounts](4096, nil, FacetCacheTTL),
		signUps: gather.New[activityKey, *signUpRequest](maxSignUpBatch), batchWritten: func(int, int) {}}
}

// ObserveSignUpBatches tells fn of each sign-up batch written: how many
// requests it held, and how many of them had to go again alone (the
// sign-up metrics). Call it before the service takes requests.
func (s *Service) ObserveSignUpBatches(fn func(size, alone int)) { s.batchWritten = fn }

var errActivityNotFound = apperr.NotFoundf("activity not found")

// loadActivity reads an activity in tx; with lock, its row is held first
// (every change to its places and waitlist takes it).
func loadActivity(ctx context.Context, tx pgx.Tx, tenant, id uuid.UUID, lock bool) (*Activity, error) {
	q := volunteerdb.New(tx)
	if lock {
		if _, err := q.LockActivity(ctx, volunteerdb.LockActivityParams{TenantID: tenant, ID: id}); err != nil {
			return nil, activityErr(err)
		}
	}
	r, err := q.GetActivity(ctx, volunteerdb.GetActivityParams{TenantID: tenant, ID: id})
	if err != nil {
		return nil, activityErr(err)
	}
	return activityFrom(r), nil
}

func activityErr(err error) error {
	if apperr.Is(postgres.Err(err, "activity"), apperr.NotFound) {
		return errActivityNotFound
	}
	return fmt.Errorf("volunteer: load activity: %w", err)
}

// rules returns the school's volunteer rules (the defaults where it sets
// none).
func rules(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) (Rules, error) {
	settings, err := volunteerdb.New(tx).TenantSettings(ctx, tenant)
	if err != nil {
		return Rules{}, fmt.Errorf("volunteer: the school's rules: %w", err)
	}
	return RulesFrom(settings), nil
}

func organiser(p *auth.Principal, a *Activity) bool {
	return p.Can(auth.PermVolunteer, auth.Scope{TenantID: p.TenantID, OrgPath: a.orgPath})
}

// organised loads an activity the caller organises (volunteer.manage over
// its unit): others get Forbidden (activities are not secret).
func (s *Service) organised(ctx context.Context, tx pgx.Tx, p *auth.Principal, id uuid.UUID, lock bool) (*Activity, error) {
	a, err := loadActivity(ctx, tx, p.TenantID, id, lock)
	if err != nil {
		return nil, err
	}
	if !organiser(p, a) {
		return nil, apperr.Forbiddenf("only the organisers of this activity's unit may do this")
	}
	return a, nil
}
