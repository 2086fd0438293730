// Package media keeps uploaded files: images for covers, comics and logos,
// micro-lesson videos, attachments and private files such as member photos.
// Bytes live in an ObjectStore (MinIO or any S3-compatible store);
// PostgreSQL holds what they are, who may see them and what uses them.
//
// Small images come through GraphQL multipart uploads and are streamed to
// the store; large files go from the browser straight to the store with
// presigned multipart part URLs, so the server never carries video bytes.
// Either way the real type is decided from the file's first bytes, not from
// its name or what the client claims, and a background job makes image
// derivatives or probes videos.
package media

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Purpose says what a file is for; it decides the types and sizes allowed.
type Purpose string

const (
	PurposeCover        Purpose = "cover"
	PurposeComicPanel   Purpose = "comic_panel"
	PurposeInlineImage  Purpose = "inline_image"
	PurposeLogo         Purpose = "logo"
	PurposeMemberPhoto  Purpose = "member_photo"
	PurposeVideo        Purpose = "video"
	PurposeAttachment   Purpose = "attachment"
	PurposeTaskEvidence Purpose = "task_evidence"
	PurposeMinutes      Purpose = "minutes" // an event's minutes' files
)

// Kind is the family of types a purpose accepts.
type Kind string

const (
	KindImage    Kind = "image"
	KindVideo    Kind = "video"
	KindDocument Kind = "document"
)

// purposes lists every purpose with its kind and whether its files are private.
var purposes = map[Purpose]struct {
	kind    Kind
	private bool
	// evidence also accepts documents besides images
	alsoDocuments bool
}{
	PurposeCover:        {kind: KindImage},
	PurposeComicPanel:   {kind: KindImage},
	PurposeInlineImage:  {kind: KindImage},
	PurposeLogo:         {kind: KindImage},
	PurposeMemberPhoto:  {kind: KindImage, private: true},
	PurposeVideo:        {kind: KindVideo},
	PurposeAttachment:   {kind: KindDocument},
	PurposeTaskEvidence: {kind: KindImage, private: true, alsoDocuments: true},
	PurposeMinutes:      {kind: KindImage, private: true, alsoDocuments: true},
}

// Purposes lists every purpose, in name order.
func Purposes() []Purpose {
	out := make([]Purpose, 0, len(purposes))
	for p := range purposes {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { _, ok := purposes[p]; return ok }

// Kind returns the family of types the purpose accepts.
func (p Purpose) Kind() Kind { return purposes[p].kind }

// Private reports whether files of this purpose are never public.
func (p Purpose) Private() bool { return purposes[p].private }

// allowedTypes are the MIME types each kind accepts, as detected from the
// content. SVG is not accepted: it can carry scripts.
var allowedTypes = map[Kind][]string{
	KindImage:    {"image/jpeg", "image/png", "image/webp", "image/gif"},
	KindVideo:    {"video/mp4", "video/webm"},
	KindDocument: {"application/pdf"},
}

// Accepts reports whether a file of detected type mime may serve purpose p.
func (p Purpose) Accepts(mime string) bool {
	check := func(k Kind) bool {
		for _, t := range allowedTypes[k] {
			if t == mime {
				return true
			}
		}
		return false
	}
	return check(p.Kind()) || (purposes[p].alsoDocuments && check(KindDocument))
}

// AcceptedTypes lists the types p accepts, for error messages.
func (p Purpose) AcceptedTypes() []string {
	out := append([]string{}, allowedTypes[p.Kind()]...)
	if purposes[p].alsoDocuments {
		out = append(out, allowedTypes[KindDocument]...)
	}
	return out
}

// Status is where a file is in its life.
type Status string

const (
	StatusUploading  Status = "uploading"
	StatusProcessing Status = "processing"
	StatusReady      Status = "ready"
	StatusFailed     Status = "failed"
)

// Visibility says who may fetch a file.
type Visibility string

const (
	Public  Visibility = "public"  // anyone, once ready (presigned URLs or the CDN)
	Private Visibility = "private" // presigned URLs for those allowed to see it
)

// Media is one stored file.
type Media struct {
	TenantID     uuid.UUID
	ID           uuid.UUID
	Purpose      Purpose
	Visibility   Visibility
	OrgUnitID    uuid.UUID
	Filename     string
	DeclaredType string
	MimeType     string
	Size         int64
	SHA256       string
	Status       Status
	Failure      string
	Width        *int
	Height       *int
	Duration     *time.Duration
	Notes        []string
	CreatedBy    *uuid.UUID
	CreatedAt    time.Time
	UpdatedAt    time.Time

	objectKey string
	uploadID  string
	partSize  int64
	posterKey string
	orgPath   string

	// svc issues URLs for the file; derivs are its resized copies (loaded
	// with it by the reading methods of Service).
	svc    *Service
	derivs []*Derivative
}

// PublicURL returns where the caller may fetch the file while it is ready
// (see Service.URL), or nil.
func (m *Media) PublicURL() (*string, error) {
	if m.svc == nil {
		return nil, nil
	}
	u, _, err := m.svc.URL(context.Background(), m)
	if u == "" || err != nil {
		return nil, err
	}
	return &u, nil
}

// PublicURLExpiresAt returns when PublicURL stops working (nil for CDN URLs).
func (m *Media) PublicURLExpiresAt() (*time.Time, error) {
	if m.svc == nil {
		return nil, nil
	}
	_, exp, err := m.svc.URL(context.Background(), m)
	if exp.IsZero() || err != nil {
		return nil, err
	}
	return &exp, nil
}

// PosterURL returns the URL of a video's poster frame, or nil.
func (m *Media) PosterURL() (*string, error) {
	if m.svc == nil {
		return nil, nil
	}
	u, err := m.svc.PosterURL(context.Background(), m)
	if u == "" || err != nil {
		return nil, err
	}
	return &u, nil
}

// Derivatives returns the resized copies of a ready image, smallest first.
func (m *Media) Derivatives() []*Derivative {
	if m.Status != StatusReady {
		return []*Derivative{}
	}
	return WithParent(m, m.derivs)
}

// Srcset returns an img srcset of the derivatives and the original, or nil
// when the file is not a ready image.
func (m *Media) Srcset() (*string, error) {
	if m.Status != StatusReady || m.Width == nil || m.svc == nil {
		return nil, nil
	}
	var b strings.Builder
	for _, d := range m.derivs {
		u, _, err := m.svc.objectURL(context.Background(), m, d.objectKey)
		if err != nil {
			return nil, err
		}
		b.WriteString(u)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(d.Width))
		b.WriteString("w, ")
	}
	u, _, err := m.svc.URL(context.Background(), m)
	if err != nil {
		return nil, err
	}
	b.WriteString(u)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(*m.Width))
	b.WriteByte('w')
	s := b.String()
	return &s, nil
}

// Derivative is a resized copy of an image.
type Derivative struct {
	Width, Height int
	MimeType      string
	Size          int64
	objectKey     string
	parent        *Media
}

// PublicURL returns where to fetch the derivative (issued under the same
// rules as its file's URL).
func (d *Derivative) PublicURL() (string, error) {
	if d.parent == nil || d.parent.svc == nil {
		return "", nil
	}
	u, _, err := d.parent.svc.objectURL(context.Background(), d.parent, d.objectKey)
	return u, err
}

// WithParent returns copies of ds that know the file they belong to (their
// URLs are issued under the same rules as the file's).
func WithParent(m *Media, ds []*Derivative) []*Derivative {
	out := make([]*Derivative, len(ds))
	for i, d := range ds {
		c := *d
		c.parent = m
		out[i] = &c
	}
	return out
}

// Limits are the size rules of uploads.
type Limits struct {
	MaxImageBytes    int64
	MaxVideoBytes    int64
	MaxDocumentBytes int64
	// DefaultQuotaBytes is a school's storage quota unless its settings
	// ("media.quotaBytes") say otherwise.
	DefaultQuotaBytes int64
	PartSize          int64
	// DerivativeWidths are the widths image derivatives are made at.
	DerivativeWidths []int
	// AbandonAfter is when an unfinished upload is aborted.
	AbandonAfter time.Duration
	// OrphanGrace is how old an object without a row must be before the
	// sweeper deletes it (an upload's row is committed before its bytes).
	OrphanGrace time.Duration
}

// DefaultLimits are the limits unless configured.
var DefaultLimits = Limits{
	MaxImageBytes: 20 << 20, MaxVideoBytes: 2 << 30, MaxDocumentBytes: 50 << 20,
	DefaultQuotaBytes: 50 << 30, PartSize: 16 << 20,
	DerivativeWidths: []int{320, 640, 1280}, AbandonAfter: 24 * time.Hour, OrphanGrace: time.Hour,
}

// MaxBytes returns the largest file purpose p accepts.
func (l Limits) MaxBytes(p Purpose) int64 {
	switch p.Kind() {
	case KindVideo:
		return l.MaxVideoBytes
	case KindDocument:
		return l.MaxDocumentBytes
	}
	if purposes[p].alsoDocuments && l.MaxDocumentBytes > l.MaxImageBytes {
		return l.MaxDocumentBytes
	}
	return l.MaxImageBytes
}

// CleanFilename keeps a display name safe: no directories, no control or
// bidi-override characters, at most 200 characters. It is only ever shown,
// never used as a path or key.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	if utf8.RuneCountInString(name) > 200 {
		r := []rune(name)
		name = string(r[len(r)-200:])
	}
	if name == "" || name == "/" {
		name = "file"
	}
	return name
}

// objectKey is where an item's original lives; never derived from user input.
func objectKey(tenant, id uuid.UUID) string {
	return fmt.Sprintf("t/%s/m/%s/original", tenant, id)
}

func derivativeKey(tenant, id uuid.UUID, width int, ext string) string {
	return fmt.Sprintf("t/%s/m/%s/w%d.%s", tenant, id, width, ext)
}

func posterKey(tenant, id uuid.UUID) string {
	return fmt.Sprintf("t/%s/m/%s/poster.jpg", tenant, id)
}

// tenantPrefix is the key prefix of a tenant's objects.
func tenantPrefix(tenant uuid.UUID) string { return fmt.Sprintf("t/%s/", tenant) }
