package interaction

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/interaction/interactiondb"
	"zhdj/internal/moderation"
	"zhdj/internal/notify"
	"zhdj/internal/postgres"
)

// Service is interaction's use cases.
type Service struct {
	pool   *pgxpool.Pool
	screen *moderation.Service
	now    func() time.Time
}

// NewService returns the interaction service; posts are screened by screen.
func NewService(pool *pgxpool.Pool, screen *moderation.Service) *Service {
	return &Service{pool: pool, screen: screen, now: time.Now}
}

var (
	errNoSuggestion = apperr.NotFoundf("suggestion not found")
	errNoUnit       = apperr.NotFoundf("org unit not found")
	errNoReply      = apperr.NotFoundf("reply not found")
)

// PostInput is a new suggestion or question.
type PostInput struct {
	OrgUnitID   uuid.UUID
	Category    string
	Title, Body string
	Public      bool
	Anonymous   bool
}

// Post sends a suggestion to a unit (any signed-in account of the
// school). It waits for review when the word list matches; an anonymous
// one is audited (its readers do not see the author; admins do).
func (s *Service) Post(ctx context.Context, in PostInput) (*Suggestion, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	in.Title = text(&v, "title", in.Title, MaxTitle)
	in.Body = text(&v, "body", in.Body, MaxBody)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		if _, err := q.Unit(ctx, interactiondb.UnitParams{TenantID: p.TenantID, ID: in.OrgUnitID}); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errNoUnit
			}
			return fmt.Errorf("interaction: unit: %w", err)
		}
		settings, err := q.TenantSettings(ctx, p.TenantID)
		if err != nil {
			return fmt.Errorf("interaction: settings: %w", err)
		}
		cat, ok := RulesFrom(settings).category(in.Category)
		if !ok {
			return apperr.InvalidField("category", "not one of the school's categories")
		}
		author, verdict, err := s.screenPost(ctx, tx, q, p, in.Title, in.Body)
		if err != nil {
			return err
		}
		mod := Visible
		if len(verdict.Matched) > 0 {
			mod = Pending
		}
		now := s.now()
		due := addWorkingDays(now, cat.ResponseDays)
		row, err := q.InsertSuggestion(ctx, interactiondb.InsertSuggestionParams{TenantID: p.TenantID, OrgUnitID: in.OrgUnitID, Category: cat.Code,
			Title: in.Title, Body: in.Body, AuthorID: p.AccountID, AuthorName: author.DisplayName, Anonymous: in.Anonymous, Public: in.Public,
			Moderation: string(mod), MatchedWords: nonNil(verdict.Matched), DueAt: due})
		if err != nil {
			return fmt.Errorf("interaction: post: %w", err)
		}
		if in.Anonymous {
			if err := audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionAnonymous, ActorID: p.Actor(), TargetType: "suggestion",
				TargetID: row.ID.String()}); err != nil {
				return err
			}
		}
		out, err = s.read(ctx, q, p, row.ID)
		return err
	})
	return out, err
}

// screenPost is who posts (their name as shown) and what the school's
// word list finds in texts; a banned author is refused.
func (s *Service) screenPost(ctx context.Context, tx pgx.Tx, q *interactiondb.Queries, p *auth.Principal, texts ...string) (interactiondb.AccountPersonRow, moderation.Verdict, error) {
	author, err := q.AccountPerson(ctx, interactiondb.AccountPersonParams{TenantID: p.TenantID, ID: p.AccountID})
	if err != nil {
		return author, moderation.Verdict{}, fmt.Errorf("interaction: author: %w", err)
	}
	verdict, err := s.screen.Screen(ctx, tx, p.TenantID, p.AccountID, texts...)
	return author, verdict, err
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// canRespond reports whether p answers suggestions to the unit at path.
func canRespond(p *auth.Principal, path string) bool {
	return p.Can(auth.PermSuggestionReply, auth.Scope{TenantID: p.TenantID, OrgPath: path})
}

// canModerate reports whether p moderates at the unit at path.
func canModerate(p *auth.Principal, path string) bool {
	return p.Can(auth.PermModerate, auth.Scope{TenantID: p.TenantID, OrgPath: path})
}

// readable says whether p (nil: an anonymous reader of a site) may read a
// suggestion: a public one that shows, the author's own, and any to those
// who answer or moderate its unit.
func readable(p *auth.Principal, authorID uuid.UUID, public bool, mod Moderation, path string) bool {
	if p != nil && (p.AccountID == authorID || canRespond(p, path) || canModerate(p, path)) {
		return true
	}
	return public && mod == Visible
}

// read is one suggestion as p sees it, or NotFound.
func (s *Service) read(ctx context.Context, q *interactiondb.Queries, p *auth.Principal, id uuid.UUID) (*Suggestion, error) {
	m, err := s.readMany(ctx, q, p, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return nil, errNoSuggestion
	}
	return m[id], nil
}

// readMany is those of the suggestions p may read, as p sees them.
func (s *Service) readMany(ctx context.Context, q *interactiondb.Queries, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]*Suggestion, error) {
	rows, err := q.SuggestionsByID(ctx, interactiondb.SuggestionsByIDParams{TenantID: p.TenantID, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("interaction: suggestions: %w", err)
	}
	out := map[uuid.UUID]*Suggestion{}
	var shown []uuid.UUID
	for _, r := range rows {
		sg := suggestionFrom(p.TenantID, r)
		if !readable(p, sg.AuthorID, sg.Public, sg.Moderation, sg.path) {
			continue
		}
		s.present(p, sg)
		out[sg.ID] = sg
		shown = append(shown, sg.ID)
	}
	if p.AccountID == uuid.Nil || len(shown) == 0 {
		return out, nil
	}
	voted, err := q.VotedBy(ctx, interactiondb.VotedByParams{TenantID: p.TenantID, AccountID: p.AccountID, Suggestions: shown})
	if err != nil {
		return nil, fmt.Errorf("interaction: votes: %w", err)
	}
	for _, id := range voted {
		out[id].VotedByMe = true
	}
	return out, nil
}

// present hides what the reader may not see: an anonymous author from
// all but the author and the unit's responders and moderators, and the
// matched words from all but moderators.
func (s *Service) present(p *auth.Principal, sg *Suggestion) {
	insider := p != nil && (canRespond(p, sg.path) || canModerate(p, sg.path))
	sg.ShowAuthor = !sg.Anonymous || insider || p != nil && p.AccountID == sg.AuthorID
	if !sg.ShowAuthor {
		sg.AuthorName = ""
	}
	if p == nil || !canModerate(p, sg.path) {
		sg.MatchedWords = nil
	}
}

func suggestionFrom(tenant uuid.UUID, r interactiondb.SuggestionsByIDRow) *Suggestion {
	sg := &Suggestion{TenantID: tenant, ID: r.ID, OrgUnitID: r.OrgUnitID, Category: r.Category, Title: r.Title, Body: r.Body, AuthorID: r.AuthorID,
		AuthorName: r.AuthorName, Anonymous: r.Anonymous, Public: r.Public, Status: Status(r.Status), RejectReason: r.RejectReason,
		Moderation: Moderation(r.Moderation), MatchedWords: r.MatchedWords, DueAt: r.DueAt, Votes: int(r.Votes), CreatedAt: r.CreatedAt,
		AnsweredAt: r.AnsweredAt, path: r.Path}
	if r.Pinned != nil {
		n := int(*r.Pinned)
		sg.Pinned = &n
	}
	return sg
}

// Get returns a suggestion p may read.
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (*Suggestion, error) {
	p := auth.FromContext(ctx)
	if p != nil && p.TenantID != tenant {
		p = nil
	}
	var out *Suggestion
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		var err error
		out, err = s.read(ctx, interactiondb.New(tx), principalIn(p, tenant), id)
		return err
	})
	return out, err
}

// ByIDs returns those of the suggestions the caller may read, as Get
// reads one.
func (s *Service) ByIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Suggestion, error) {
	p := principalIn(auth.FromContext(ctx), tenant)
	if p.TenantID != tenant {
		p = principalIn(nil, tenant)
	}
	var out map[uuid.UUID]*Suggestion
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		var err error
		out, err = s.readMany(ctx, interactiondb.New(tx), p, ids)
		return err
	})
	return out, err
}

// principalIn is p, or the anonymous reader of tenant (who has no
// account and no bindings).
func principalIn(p *auth.Principal, tenant uuid.UUID) *auth.Principal {
	if p != nil {
		return p
	}
	return &auth.Principal{TenantID: tenant}
}

// ReplyInput is a reply to a suggestion: official (its unit's responders)
// or a follow-up of its author.
type ReplyInput struct {
	SuggestionID uuid.UUID
	Body         string
	Official     bool
}

// ReplyTo adds a reply. An official one answers the suggestion and tells
// the asker; a follow-up of the asker opens it again with a new deadline.
func (s *Service) ReplyTo(ctx context.Context, in ReplyInput) (*Suggestion, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	in.Body = text(&v, "body", in.Body, MaxBody)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		cur, err := s.lock(ctx, q, p, in.SuggestionID)
		if err != nil {
			return err
		}
		switch {
		case in.Official && !canRespond(p, cur.Path):
			return apperr.Forbiddenf("only the unit's responders reply officially")
		case !in.Official && cur.AuthorID != p.AccountID:
			return apperr.Forbiddenf("only the asker follows up; the unit's responders reply officially")
		case Status(cur.Status) == Closed || Status(cur.Status) == Rejected:
			return apperr.Conflictf("this suggestion is closed")
		}
		author, verdict, err := s.screenPost(ctx, tx, q, p, in.Body)
		if err != nil {
			return err
		}
		mod := Visible
		if len(verdict.Matched) > 0 && !in.Official {
			mod = Pending
		}
		if _, err := q.InsertReply(ctx, interactiondb.InsertReplyParams{TenantID: p.TenantID, SuggestionID: in.SuggestionID, AuthorID: p.AccountID,
			AuthorName: author.DisplayName, Official: in.Official, Body: in.Body, Moderation: string(mod), MatchedWords: nonNil(verdict.Matched)}); err != nil {
			return fmt.Errorf("interaction: reply: %w", err)
		}
		sg, err := s.read(ctx, q, p, in.SuggestionID)
		if err != nil {
			return err
		}
		status, due := Answered, sg.DueAt
		if !in.Official {
			settings, err := q.TenantSettings(ctx, p.TenantID)
			if err != nil {
				return fmt.Errorf("interaction: settings: %w", err)
			}
			cat, _ := RulesFrom(settings).category(sg.Category)
			status, due = Open, addWorkingDays(s.now(), max(1, cat.ResponseDays))
		}
		if err := q.SetSuggestionStatus(ctx, interactiondb.SetSuggestionStatusParams{TenantID: p.TenantID, ID: sg.ID, Status: string(status),
			RejectReason: "", DueAt: due}); err != nil {
			return fmt.Errorf("interaction: status: %w", err)
		}
		if in.Official {
			if err := tellAsker(ctx, tx, q, p.TenantID, sg, notify.SuggestionAnswered, in.Body); err != nil {
				return err
			}
		}
		out, err = s.read(ctx, q, p, sg.ID)
		return err
	})
	return out, err
}

// tellAsker puts a notice in the asker's inbox (when their account is a
// person on record).
func tellAsker(ctx context.Context, tx pgx.Tx, q *interactiondb.Queries, tenant uuid.UUID, sg *Suggestion, kind notify.Kind, body string) error {
	asker, err := q.AccountPerson(ctx, interactiondb.AccountPersonParams{TenantID: tenant, ID: sg.AuthorID})
	if err != nil {
		return fmt.Errorf("interaction: asker: %w", err)
	}
	if asker.PersonID == nil {
		return nil
	}
	_, err = notify.Deliver(ctx, tx, tenant, notify.Notice{Kind: kind, Cause: fmt.Sprintf("suggestion:%s:%s:%d", sg.ID, kind, time.Now().UnixNano()),
		SubjectType: "suggestion", SubjectID: sg.ID, Title: sg.Title, Body: body}, []uuid.UUID{*asker.PersonID})
	return err
}

// lock reads a suggestion for a change (NotFound to whoever may not read it).
func (s *Service) lock(ctx context.Context, q *interactiondb.Queries, p *auth.Principal, id uuid.UUID) (interactiondb.SuggestionForUpdateRow, error) {
	cur, err := q.SuggestionForUpdate(ctx, interactiondb.SuggestionForUpdateParams{TenantID: p.TenantID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return cur, errNoSuggestion
	}
	if err != nil {
		return cur, fmt.Errorf("interaction: suggestion: %w", err)
	}
	if !readable(p, cur.AuthorID, cur.Public, Moderation(cur.Moderation), cur.Path) {
		return cur, errNoSuggestion
	}
	return cur, nil
}

// Close closes an answered or open suggestion (its unit's responders), or
// rejects it with a reason; the asker is told.
func (s *Service) Close(ctx context.Context, id uuid.UUID, reject bool, reason string) (*Suggestion, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reject && reason == "" {
		return nil, apperr.InvalidField("reason", "say why it is rejected")
	}
	if len([]rune(reason)) > 500 {
		return nil, apperr.InvalidField("reason", "at most 500 characters")
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		cur, err := s.lock(ctx, q, p, id)
		if err != nil {
			return err
		}
		if !canRespond(p, cur.Path) {
			return apperr.Forbiddenf("only the unit's responders close or reject its suggestions")
		}
		if st := Status(cur.Status); st == Closed || st == Rejected {
			return apperr.Conflictf("this suggestion is closed")
		}
		status := Closed
		if reject {
			status = Rejected
		}
		sg, err := s.read(ctx, q, p, id)
		if err != nil {
			return err
		}
		if err := q.SetSuggestionStatus(ctx, interactiondb.SetSuggestionStatusParams{TenantID: p.TenantID, ID: id, Status: string(status),
			RejectReason: reason, DueAt: sg.DueAt}); err != nil {
			return fmt.Errorf("interaction: close: %w", err)
		}
		if reject {
			if err := tellAsker(ctx, tx, q, p.TenantID, sg, notify.SuggestionRejected, reason); err != nil {
				return err
			}
		}
		out, err = s.read(ctx, q, p, id)
		return err
	})
	return out, err
}

// Pin pins a suggestion at an order (nil: unpins) — the unit's moderators.
func (s *Service) Pin(ctx context.Context, id uuid.UUID, order *int) (*Suggestion, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if order != nil && (*order < 0 || *order > 1000) {
		return nil, apperr.InvalidField("order", "between 0 and 1000 (lower first)")
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		cur, err := s.lock(ctx, q, p, id)
		if err != nil {
			return err
		}
		if !canModerate(p, cur.Path) {
			return apperr.Forbiddenf("only the unit's admins pin suggestions")
		}
		var pinned *int32
		if order != nil {
			n := int32(*order)
			pinned = &n
		}
		if err := q.PinSuggestion(ctx, interactiondb.PinSuggestionParams{TenantID: p.TenantID, ID: id, Pinned: pinned}); err != nil {
			return fmt.Errorf("interaction: pin: %w", err)
		}
		out, err = s.read(ctx, q, p, id)
		return err
	})
	return out, err
}

// Vote casts (up) or withdraws the caller's vote: casting twice is one
// vote; withdrawing a vote never cast is a conflict.
func (s *Service) Vote(ctx context.Context, id uuid.UUID, up bool) (*Suggestion, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		if _, err := s.read(ctx, q, p, id); err != nil {
			return err
		}
		var n int64
		if up {
			n, err = q.Vote(ctx, interactiondb.VoteParams{TenantID: p.TenantID, SuggestionID: id, AccountID: p.AccountID})
		} else {
			n, err = q.Unvote(ctx, interactiondb.UnvoteParams{TenantID: p.TenantID, SuggestionID: id, AccountID: p.AccountID})
		}
		if err != nil {
			return fmt.Errorf("interaction: vote: %w", err)
		}
		if n == 0 && !up {
			return apperr.Conflictf("you have not voted for this suggestion")
		}
		if n > 0 {
			delta := int32(1)
			if !up {
				delta = -1
			}
			if _, err := q.CountVote(ctx, interactiondb.CountVoteParams{TenantID: p.TenantID, ID: id, Delta: delta}); err != nil {
				return fmt.Errorf("interaction: vote: %w", err)
			}
		}
		out, err = s.read(ctx, q, p, id)
		return err
	})
	return out, err
}

// Replies returns the visible replies of suggestions (their readers were
// checked with the suggestions), and the caller's own pending ones.
func (s *Service) Replies(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]*Reply, error) {
	p := principalIn(auth.FromContext(ctx), tenant)
	out := map[uuid.UUID][]*Reply{}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := interactiondb.New(tx).Replies(ctx, interactiondb.RepliesParams{TenantID: tenant, Suggestions: ids})
		if err != nil {
			return fmt.Errorf("interaction: replies: %w", err)
		}
		for _, r := range rows {
			if Moderation(r.Moderation) != Visible && r.AuthorID != p.AccountID {
				continue
			}
			out[r.SuggestionID] = append(out[r.SuggestionID], &Reply{TenantID: tenant, ID: r.ID, SuggestionID: r.SuggestionID, AuthorName: r.AuthorName,
				Official: r.Official, Body: r.Body, Moderation: Moderation(r.Moderation), CreatedAt: r.CreatedAt})
		}
		return nil
	})
	return out, err
}
