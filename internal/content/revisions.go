package content

// Revisions: every save's snapshot, their diffs, and restoring one.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aymanbagabas/go-udiff"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/content/contentdb"
	"zhdj/internal/postgres"
)

// Revisions lists an item's saved versions, newest first.
func (s *Service) Revisions(ctx context.Context, id uuid.UUID) ([]Revision, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []Revision
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if err := s.mayReadHistory(ctx, q, p, id); err != nil {
			return err
		}
		rows, err := q.Revisions(ctx, contentdb.RevisionsParams{TenantID: p.TenantID, ContentID: id})
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, Revision{Version: int(r.Version), SavedBy: r.SavedBy, SavedAt: r.SavedAt, Note: r.Note})
		}
		return nil
	})
	return out, err
}

// mayReadHistory says whether p may read the revisions of item id (its
// editors and reviewers); to anyone else the item does not exist.
func (s *Service) mayReadHistory(ctx context.Context, q *contentdb.Queries, p *auth.Principal, id uuid.UUID) error {
	c, err := s.load(ctx, q, p.TenantID, id, false)
	if err != nil {
		return err
	}
	if !c.EditableBy(p) {
		return errNotFound
	}
	return nil
}

func (s *Service) revision(ctx context.Context, q *contentdb.Queries, p *auth.Principal, id uuid.UUID, version int, field string) (snapshot, error) {
	var snap snapshot
	r, err := q.Revision(ctx, contentdb.RevisionParams{TenantID: p.TenantID, ContentID: id, Version: int32(version)})
	if errors.Is(err, pgx.ErrNoRows) {
		return snap, apperr.InvalidField(field, fmt.Sprintf("there is no version %d", version))
	}
	if err != nil {
		return snap, err
	}
	return snap, json.Unmarshal(r.Snapshot, &snap)
}

// Diff returns a unified diff between two saved versions of an item.
func (s *Service) Diff(ctx context.Context, id uuid.UUID, from, to int) (string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", err
	}
	var out string
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if err := s.mayReadHistory(ctx, q, p, id); err != nil {
			return err
		}
		a, err := s.revision(ctx, q, p, id, from, "from")
		if err != nil {
			return err
		}
		b, err := s.revision(ctx, q, p, id, to, "to")
		if err != nil {
			return err
		}
		before, after := a.text(), b.text()
		out, err = udiff.ToUnified(fmt.Sprintf("version %d", from), fmt.Sprintf("version %d", to), before, udiff.Lines(before, after), 2)
		return err
	})
	return out, err
}

// Restore saves the fields of an old version as a new version (the current
// version must be given, as for Update).
func (s *Service) Restore(ctx context.Context, id uuid.UUID, from, currentVersion int) (*Content, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var snap snapshot
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if _, err := s.editable(ctx, q, p, id, auth.PermContentEdit); err != nil {
			return err
		}
		snap, err = s.revision(ctx, q, p, id, from, "version")
		return err
	})
	if err != nil {
		return nil, err
	}
	f := Fields{Slug: snap.Slug, Title: snap.Title, Summary: snap.Summary, CoverID: snap.CoverID, Tags: snap.Tags, Topics: snap.Topics,
		PublishToSubtree: snap.PublishToSubtree, Article: snap.Article, Lesson: snap.Lesson, Comic: snap.Comic}
	return s.Update(ctx, id, currentVersion, f, fmt.Sprintf("restored version %d", from))
}
