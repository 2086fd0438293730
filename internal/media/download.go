package media

import (
	"context"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Generated files (exports) are kept this long, then deleted; the link
// handed out works for the service's download TTL (minutes).
const generatedKeep = time.Hour

// Download is a generated file handed out through a private link.
type Download struct {
	URL       string
	ExpiresAt time.Time
}

func generatedPrefix(tenant uuid.UUID) string { return fmt.Sprintf("x/%s/", tenant) }

// Deliver stores a generated file (a roster export) privately and returns
// a short-lived link that downloads it under filename. The object is
// deleted after an hour (a job queued with it; the media sweep deletes
// any the job missed). Without object storage it returns nil, and the
// caller hands the file over itself.
func (s *Service) Deliver(ctx context.Context, tenant uuid.UUID, filename, contentType string, body io.Reader, size int64) (*Download, error) {
	if s.store == nil {
		return nil, nil
	}
	key := generatedPrefix(tenant) + uuid.NewString() + path.Ext(filename)
	if err := s.store.Put(ctx, key, body, size, contentType); err != nil {
		return nil, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := s.jobs.InsertTx(ctx, tx, DeleteObjectsArgs{Keys: []string{key}}, &river.InsertOpts{ScheduledAt: s.now().Add(generatedKeep)})
		return err
	})
	if err != nil {
		if derr := s.store.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.log.Warn("media: delete a generated file whose deletion could not be scheduled (the orphan sweep retries)", "key", key, "err", derr)
		}
		return nil, fmt.Errorf("media: schedule the deletion of a generated file: %w", err)
	}
	url, err := s.store.PresignGet(ctx, key, s.getTTL, filename)
	if err != nil {
		return nil, err
	}
	return &Download{URL: url, ExpiresAt: s.now().Add(s.getTTL)}, nil
}

// sweepGenerated deletes the generated files of tenant older than they
// are kept (those whose deletion job was lost).
func (s *Service) sweepGenerated(ctx context.Context, tenant uuid.UUID) (n int, err error) {
	var old []string
	err = s.store.List(ctx, generatedPrefix(tenant), func(o ObjectInfo) error {
		if s.now().Sub(o.LastModified) > generatedKeep+s.limits.OrphanGrace {
			old = append(old, o.Key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("media: sweep generated files of %s: %w", tenant, err)
	}
	for _, k := range old {
		if err := s.store.Delete(ctx, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
