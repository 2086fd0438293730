package media

import (
	"context"
	"io"
	"time"
)

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ContentType  string
	LastModified time.Time
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int
	ETag   string
	Size   int64
}

// ObjectStore keeps media bytes. Implementations must be safe for
// concurrent use. A missing object is an apperr NotFound; an unreachable
// store is an apperr Unavailable.
type ObjectStore interface {
	// Put stores size bytes from r under key, streaming.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get streams the object; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Head returns up to n bytes from the start of the object.
	Head(ctx context.Context, key string, n int64) ([]byte, error)
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error

	// NewMultipart starts a multipart upload and returns its id.
	NewMultipart(ctx context.Context, key, contentType string) (string, error)
	// PresignPart returns a URL the client may PUT part number n to until expiry.
	PresignPart(ctx context.Context, key, uploadID string, n int, expiry time.Duration) (string, error)
	// ListParts returns the parts uploaded so far, by number.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) error
	// AbortMultipart discards an upload; aborting a finished or unknown one is not an error.
	AbortMultipart(ctx context.Context, key, uploadID string) error

	// PresignGet returns a URL that reads the object until expiry; with
	// downloadName set, browsers save it under that name.
	PresignGet(ctx context.Context, key string, expiry time.Duration, downloadName string) (string, error)
	// Ready returns nil when the store answers.
	Ready(ctx context.Context) error
}
