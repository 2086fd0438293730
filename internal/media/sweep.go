package media

import (
	"time"

	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/apperr"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

// SweepReport says what a sweep found and did.
type SweepReport struct {
	AbortedUploads  int // unfinished uploads older than the limit, discarded
	OrphanObjects   int // objects no row refers to, deleted
	OrphanBytes     int64
	MissingObjects  int // rows whose object is gone, deleted
	TenantsExamined int
	// ExpiredGenerated counts generated files (exports) past their time
	// whose deletion job had not removed them.
	ExpiredGenerated int
}

func (r SweepReport) String() string {
	return fmt.Sprintf("%d tenants examined: %d abandoned uploads aborted, %d orphan objects (%s) deleted, %d rows without an object removed, %d expired exports deleted",
		r.TenantsExamined, r.AbortedUploads, r.OrphanObjects, human(r.OrphanBytes), r.MissingObjects, r.ExpiredGenerated)
}

// AbortAbandoned discards uploads still unfinished after AbandonAfter.
func (s *Service) AbortAbandoned(ctx context.Context) (int, error) {
	if s.store == nil {
		return 0, nil
	}
	tenants, err := s.tenants(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tenants {
		var rows []mediadb.AbandonedUploadsRow
		err := postgres.InTenantTx(ctx, s.pool, t, func(tx pgx.Tx) error {
			var err error
			rows, err = mediadb.New(tx).AbandonedUploads(ctx, mediadb.AbandonedUploadsParams{TenantID: t, Before: s.now().Add(-s.limits.AbandonAfter)})
			return err
		})
		if err != nil {
			return n, fmt.Errorf("media: abandoned uploads: %w", err)
		}
		for _, r := range rows {
			if r.UploadID != "" {
				if err := s.store.AbortMultipart(ctx, r.ObjectKey, r.UploadID); err != nil {
					return n, err
				}
			}
			s.discard(ctx, &Media{TenantID: t, ID: r.ID, objectKey: r.ObjectKey, Size: r.SizeBytes})
			n++
		}
	}
	return n, nil
}

func (s *Service) tenants(ctx context.Context) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = mediadb.New(tx).ActiveTenants(ctx)
		return err
	})
	return out, err
}

// Sweep reconciles the store with the database: it aborts abandoned
// uploads, deletes objects that no row refers to (older than an hour) and
// removes rows of ready files whose object is gone, and reports what it did.
// When most of them are unmatched it removes nothing and says so (see
// mostUnmatched).
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	var rep SweepReport
	if s.store == nil {
		return rep, errNoStore
	}
	var err error
	if rep.AbortedUploads, err = s.AbortAbandoned(ctx); err != nil {
		return rep, err
	}
	tenants, err := s.tenants(ctx)
	if err != nil {
		return rep, err
	}
	var missing []*Media
	examined := 0
	for _, t := range tenants {
		rep.TenantsExamined++
		n, err := s.sweepGenerated(ctx, t)
		rep.ExpiredGenerated += n
		if err != nil {
			return rep, err
		}
		var batch, orphans []ObjectInfo
		listed := 0
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			keys := make([]string, len(batch))
			for i, o := range batch {
				keys[i] = o.Key
			}
			var known []string
			err := postgres.InTenantTx(ctx, s.pool, t, func(tx pgx.Tx) error {
				var err error
				known, err = mediadb.New(tx).KnownKeys(ctx, mediadb.KnownKeysParams{TenantID: t, Keys: keys})
				return err
			})
			if err != nil {
				return err
			}
			isKnown := map[string]bool{}
			for _, k := range known {
				isKnown[k] = true
			}
			listed += len(batch)
			for _, o := range batch {
				if !isKnown[o.Key] && s.now().Sub(o.LastModified) > s.limits.OrphanGrace {
					orphans = append(orphans, o)
				}
			}
			batch = batch[:0]
			return nil
		}
		err = s.store.List(ctx, tenantPrefix(t), func(o ObjectInfo) error {
			batch = append(batch, o)
			if len(batch) >= 500 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return rep, fmt.Errorf("media: sweep objects of %s: %w", t, err)
		}
		if mostUnmatched(len(orphans), listed) {
			return rep, fmt.Errorf("media: %d of the %d objects of school %s are known to no row: they are kept; "+
				"check the database and storage settings (a database restored from a copy, another deployment's bucket) before the next sweep",
				len(orphans), listed, t)
		}
		for _, o := range orphans {
			if err := s.store.Delete(ctx, o.Key); err != nil {
				return rep, err
			}
			rep.OrphanObjects++
			rep.OrphanBytes += o.Size
		}
		after := uuid.Nil
		for {
			var rows []mediadb.ReadyMediaPageRow
			err := postgres.InTenantTx(ctx, s.pool, t, func(tx pgx.Tx) error {
				var err error
				rows, err = mediadb.New(tx).ReadyMediaPage(ctx, mediadb.ReadyMediaPageParams{TenantID: t, AfterID: after})
				return err
			})
			if err != nil {
				return rep, fmt.Errorf("media: sweep rows: %w", err)
			}
			examined += len(rows)
			for _, r := range rows {
				if _, err := s.store.Stat(ctx, r.ObjectKey); apperr.Is(err, apperr.NotFound) {
					missing = append(missing, &Media{TenantID: t, ID: r.ID, objectKey: r.ObjectKey, Size: r.SizeBytes})
				} else if err != nil {
					return rep, err
				}
			}
			if len(rows) < 500 {
				break
			}
			after = rows[len(rows)-1].ID
		}
	}
	if mostUnmatched(len(missing), examined) {
		return rep, fmt.Errorf("media: %d of %d ready files are missing from the object store: their rows are kept; "+
			"check the storage settings (endpoint, bucket) before the next sweep", len(missing), examined)
	}
	for _, m := range missing {
		s.discard(ctx, m)
		rep.MissingObjects++
	}
	return rep, nil
}

// mostUnmatched reports whether unmatched of examined files (rows without
// an object, or objects without a row) is more than a deployment loses
// track of: files go astray one at a time (deleted by hand, a failed
// deletion), while most of them at once means the server looks in the
// wrong place — a mistyped bucket (created empty at start), or a database
// restored from a copy sharing the real bucket — and cleaning up after it
// would lose every school's files.
func mostUnmatched(unmatched, examined int) bool {
	return unmatched >= 3 && unmatched*2 > examined
}

// SweepArgs runs Sweep as a periodic job.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "media.sweep" }

// SweepWorker runs Sweep and logs its report.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Media *Service
	Log   interface {
		Info(msg string, args ...any)
	}
}

// Timeout lets a sweep walk a large store (it is periodic and not unique:
// a run that stopped with its process blocks nothing).
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return 30 * time.Minute }

// Work sweeps.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	rep, err := w.Media.Sweep(ctx)
	if err != nil {
		return err
	}
	w.Log.Info("media sweep", "report", rep.String())
	return nil
}
