// Package content is what front ends render and editors work on all day:
// articles, micro-lesson videos (微党课) and theme comics (主题漫画), written
// once and shown on every site they belong to. It owns the editorial
// workflow (draft → in review → scheduled/published → archived), revisions
// with diffs and restore, optimistic concurrency, sanitised rich text, and
// which sites show, pin or hide what.
package content

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/microcosm-cc/bluemonday"

	"zhdj/internal/apperr"
)

// Type is the kind of a content item.
type Type string

const (
	TypeArticle     Type = "article"
	TypeMicroLesson Type = "micro_lesson"
	TypeComic       Type = "comic"
)

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return t == TypeArticle || t == TypeMicroLesson || t == TypeComic }

// Status is where an item is in the workflow.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusInReview  Status = "in_review"
	StatusScheduled Status = "scheduled"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Content is one item. Exactly one of Article, Lesson and Comic is set,
// matching Type.
type Content struct {
	TenantID         uuid.UUID
	ID               uuid.UUID
	Type             Type
	Slug             string
	Title            string
	Summary          string
	CoverID          *uuid.UUID
	Tags             []string
	Topics           []string
	OrgUnitID        uuid.UUID
	PublishToSubtree bool
	Status           Status
	ReviewComment    string
	PublishAt        *time.Time
	PublishedAt      *time.Time
	Version          int
	ViewCount        int64
	CreatedBy        *uuid.UUID
	CreatedAt        time.Time
	UpdatedAt        time.Time

	Article *Article
	Lesson  *Lesson
	Comic   *Comic

	orgPath string
	// textOmitted: read by a list WithoutText.
	textOmitted bool
}

// TextOmitted reports whether c was read by a list WithoutText: its
// Article.HTML or Lesson.Transcript is then empty, not the item's.
func (c *Content) TextOmitted() bool { return c.textOmitted }

// TextOption says whether a list reads its items' long texts (an
// article's HTML, a micro-lesson's transcript): most of a real body,
// kilobytes a list rarely shows.
type TextOption bool

const (
	WithoutText TextOption = false
	WithText    TextOption = true
)

// Article is the body of an article.
type Article struct {
	// HTML is sanitised rich text.
	HTML          string      `json:"html"`
	Source        string      `json:"source,omitempty"`
	AttachmentIDs []uuid.UUID `json:"attachmentIds,omitempty"`
}

// Lesson is the body of a micro-lesson (微党课 / 微视频).
type Lesson struct {
	VideoID         *uuid.UUID `json:"videoId,omitempty"`
	DurationSeconds int        `json:"durationSeconds,omitempty"`
	Chapters        []Chapter  `json:"chapters,omitempty"`
	Transcript      string     `json:"transcript,omitempty"`
	Speaker         string     `json:"speaker,omitempty"`
	Series          string     `json:"series,omitempty"`
	// RequiredStages are the membership stages that must study it.
	RequiredStages []string `json:"requiredStages,omitempty"`
}

// Chapter is a time code in a lesson.
type Chapter struct {
	AtSeconds int    `json:"atSeconds"`
	Title     string `json:"title"`
}

// Comic is the body of a theme comic (主题漫画).
type Comic struct {
	Panels  []Panel `json:"panels,omitempty"`
	Series  string  `json:"series,omitempty"`
	Episode int     `json:"episode,omitempty"`
}

// Panel is one image of a comic, in order.
type Panel struct {
	ImageID uuid.UUID `json:"imageId"`
	Caption string    `json:"caption,omitempty"`
	Alt     string    `json:"alt,omitempty"`
}

// Fields are what an editor sets on an item.
type Fields struct {
	Slug             string
	Title            string
	Summary          string
	CoverID          *uuid.UUID
	Tags             []string
	Topics           []string
	PublishToSubtree bool
	AuthorIDs        []uuid.UUID // besides the creator
	Article          *Article
	Lesson           *Lesson
	Comic            *Comic
}

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,99}$`)
	tokenPattern = regexp.MustCompile(`^[\p{L}\p{N}_-]{1,32}$`)
)

func chars(s string) int { return utf8.RuneCountInString(s) }

// validate checks what must hold for any save (a draft may still lack a
// title or cover; publishing checks those). It reports every problem.
func (f *Fields) validate(t Type) error {
	var v apperr.Validation
	f.Slug, f.Title, f.Summary = strings.TrimSpace(f.Slug), strings.TrimSpace(f.Title), strings.TrimSpace(f.Summary)
	if !slugPattern.MatchString(f.Slug) {
		v.Add("slug", "must be 2–100 characters: lower-case letters, digits and '-'")
	}
	if chars(f.Title) > 200 {
		v.Add("title", "at most 200 characters")
	}
	if chars(f.Summary) > 1000 {
		v.Add("summary", "at most 1000 characters")
	}
	tokens := func(name string, list []string) []string {
		if len(list) > 20 {
			v.Add(name, "at most 20")
		}
		seen := map[string]bool{}
		out := make([]string, 0, len(list))
		for i, s := range list {
			s = strings.TrimSpace(s)
			if !tokenPattern.MatchString(s) {
				v.Add(fmt.Sprintf("%s[%d]", name, i), "must be 1–32 letters, digits, '_' or '-'")
				continue
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	f.Tags, f.Topics = tokens("tags", f.Tags), tokens("topics", f.Topics)
	bodies := 0
	for _, set := range []bool{f.Article != nil, f.Lesson != nil, f.Comic != nil} {
		if set {
			bodies++
		}
	}
	wrong := (f.Article != nil && t != TypeArticle) || (f.Lesson != nil && t != TypeMicroLesson) || (f.Comic != nil && t != TypeComic)
	switch {
	case bodies > 1 || wrong:
		v.Add("body", fmt.Sprintf("give only the body of the item's type (%s)", t))
	case t == TypeArticle && f.Article == nil:
		f.Article = &Article{}
	case t == TypeMicroLesson && f.Lesson == nil:
		f.Lesson = &Lesson{}
	case t == TypeComic && f.Comic == nil:
		f.Comic = &Comic{}
	}
	if (t == TypeArticle && f.Article == nil) || (t == TypeMicroLesson && f.Lesson == nil) || (t == TypeComic && f.Comic == nil) {
		v.Add("body", fmt.Sprintf("an item of type %s needs its %s body", t, t))
	}
	if a := f.Article; a != nil && t == TypeArticle {
		if len(a.HTML) > 1<<20 {
			v.Add("article.html", "at most 1 MiB")
		}
		if chars(a.Source) > 200 {
			v.Add("article.source", "at most 200 characters")
		}
		if len(a.AttachmentIDs) > 20 {
			v.Add("article.attachmentIds", "at most 20 attachments")
		}
	}
	if l := f.Lesson; l != nil && t == TypeMicroLesson {
		if l.DurationSeconds < 0 || l.DurationSeconds > 24*3600 {
			v.Add("lesson.durationSeconds", "must be 0–86400")
		}
		last := -1
		for i, c := range l.Chapters {
			if c.AtSeconds <= last || c.AtSeconds < 0 || (l.DurationSeconds > 0 && c.AtSeconds > l.DurationSeconds) {
				v.Add(fmt.Sprintf("lesson.chapters[%d].atSeconds", i), "chapters must be in increasing time order within the video")
			}
			last = c.AtSeconds
			if n := chars(strings.TrimSpace(c.Title)); n < 1 || n > 100 {
				v.Add(fmt.Sprintf("lesson.chapters[%d].title", i), "must be 1–100 characters")
			}
		}
		if len(l.Transcript) > 1<<20 {
			v.Add("lesson.transcript", "at most 1 MiB")
		}
		for i, s := range l.RequiredStages {
			switch s {
			case "applicant", "activist", "candidate", "probationary", "full":
			default:
				v.Add(fmt.Sprintf("lesson.requiredStages[%d]", i), "unknown stage")
			}
		}
	}
	if c := f.Comic; c != nil && t == TypeComic {
		if len(c.Panels) > 200 {
			v.Add("comic.panels", "at most 200 panels")
		}
		for i, pn := range c.Panels {
			if chars(pn.Caption) > 500 {
				v.Add(fmt.Sprintf("comic.panels[%d].caption", i), "at most 500 characters")
			}
			if chars(pn.Alt) > 300 {
				v.Add(fmt.Sprintf("comic.panels[%d].alt", i), "at most 300 characters")
			}
		}
		if c.Episode < 0 {
			v.Add("comic.episode", "must not be negative")
		}
	}
	return v.Err()
}

// mediaRefs lists the media an item uses, with the field each one is in.
func (c *Content) mediaRefs() map[string]uuid.UUID {
	refs := map[string]uuid.UUID{}
	if c.CoverID != nil {
		refs["cover"] = *c.CoverID
	}
	if a := c.Article; a != nil {
		for i, id := range a.AttachmentIDs {
			refs[fmt.Sprintf("article.attachmentIds[%d]", i)] = id
		}
	}
	if l := c.Lesson; l != nil && l.VideoID != nil {
		refs["lesson.videoId"] = *l.VideoID
	}
	if cm := c.Comic; cm != nil {
		for i, p := range cm.Panels {
			refs[fmt.Sprintf("comic.panels[%d].imageId", i)] = p.ImageID
		}
	}
	return refs
}

// Sanitizer cleans rich text with a strict allow-list: structure, emphasis,
// lists, tables, links (http, https, mailto) and images (http, https), and
// iframes only from configured hosts. Scripts, styles, event handlers,
// javascript: URLs and SVG never survive.
type Sanitizer struct {
	policy *bluemonday.Policy
}

// NewSanitizer returns a sanitizer that lets iframes through only when
// their src is https on one of iframeHosts.
func NewSanitizer(iframeHosts []string) *Sanitizer {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[a-zA-Z0-9 _-]{1,100}$`)).Globally()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	if len(iframeHosts) > 0 {
		quoted := make([]string, len(iframeHosts))
		for i, h := range iframeHosts {
			quoted[i] = regexp.QuoteMeta(strings.ToLower(strings.TrimSpace(h)))
		}
		src := regexp.MustCompile(`^https://(` + strings.Join(quoted, "|") + `)(/[^\s"'<>]*)?$`)
		p.AllowElements("iframe")
		p.AllowAttrs("src").Matching(src).OnElements("iframe")
		p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}%?$`)).OnElements("iframe")
		p.AllowAttrs("allowfullscreen").Matching(regexp.MustCompile(`^(|true|allowfullscreen)$`)).OnElements("iframe")
		p.SkipElementsContent("script", "style")
	}
	return &Sanitizer{policy: p}
}

// Clean returns html with everything outside the allow-list removed.
func (s *Sanitizer) Clean(html string) string {
	out := s.policy.Sanitize(html)
	// An iframe whose src was refused is left without one: drop it.
	return emptyIframe.ReplaceAllString(out, "")
}

var emptyIframe = regexp.MustCompile(`<iframe(\s+(width|height|allowfullscreen)="[^"]*")*\s*>\s*</iframe>`)

// snapshot is what a revision stores.
type snapshot struct {
	Slug             string     `json:"slug"`
	Title            string     `json:"title"`
	Summary          string     `json:"summary"`
	CoverID          *uuid.UUID `json:"coverId,omitempty"`
	Tags             []string   `json:"tags"`
	Topics           []string   `json:"topics"`
	PublishToSubtree bool       `json:"publishToSubtree"`
	Article          *Article   `json:"article,omitempty"`
	Lesson           *Lesson    `json:"lesson,omitempty"`
	Comic            *Comic     `json:"comic,omitempty"`
	Status           Status     `json:"status"`
}

func snapshotOf(c *Content) []byte {
	b, _ := json.Marshal(snapshot{Slug: c.Slug, Title: c.Title, Summary: c.Summary, CoverID: c.CoverID, Tags: c.Tags, Topics: c.Topics,
		PublishToSubtree: c.PublishToSubtree, Article: c.Article, Lesson: c.Lesson, Comic: c.Comic, Status: c.Status})
	return b
}

// text renders a snapshot as lines for diffing.
func (s snapshot) text() string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	line("slug", s.Slug)
	line("title", s.Title)
	line("summary", s.Summary)
	if s.CoverID != nil {
		line("cover", s.CoverID.String())
	} else {
		line("cover", "")
	}
	line("tags", strings.Join(s.Tags, ", "))
	line("topics", strings.Join(s.Topics, ", "))
	line("publishToSubtree", fmt.Sprint(s.PublishToSubtree))
	if a := s.Article; a != nil {
		line("source", a.Source)
		b.WriteString("body:\n")
		for _, l := range strings.Split(strings.ReplaceAll(a.HTML, "><", ">\n<"), "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	if l := s.Lesson; l != nil {
		line("speaker", l.Speaker)
		line("series", l.Series)
		line("duration", fmt.Sprint(l.DurationSeconds))
		for _, c := range l.Chapters {
			line("chapter", fmt.Sprintf("%d %s", c.AtSeconds, c.Title))
		}
		b.WriteString("transcript:\n")
		for _, t := range strings.Split(l.Transcript, "\n") {
			b.WriteString("  " + t + "\n")
		}
	}
	if c := s.Comic; c != nil {
		line("series", c.Series)
		line("episode", fmt.Sprint(c.Episode))
		for i, p := range c.Panels {
			line(fmt.Sprintf("panel %d", i+1), fmt.Sprintf("%s %s (%s)", p.ImageID, p.Caption, p.Alt))
		}
	}
	return b.String()
}
