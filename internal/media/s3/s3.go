// Package s3 is the media ObjectStore on any S3-compatible store (MinIO in
// development and tests) through minio-go.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"zhdj/internal/apperr"
	"zhdj/internal/media"
)

// Config locates the bucket.
type Config struct {
	Endpoint  string // host:port the server talks to
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
	Secure    bool // TLS
	// PublicEndpoint is the host:port browsers reach the store at, used in
	// presigned URLs; empty means Endpoint.
	PublicEndpoint string
	PublicSecure   bool
	// Transport, when set, wraps the HTTP transport of the store's calls
	// (to trace them).
	Transport func(http.RoundTripper) http.RoundTripper
}

// Store is an ObjectStore on one bucket.
type Store struct {
	core   *minio.Core
	public *minio.Client // signs URLs for browsers; makes no requests
	bucket string
}

var _ media.ObjectStore = (*Store)(nil)

// New connects to the store, creating the bucket when it does not exist.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	opts := &minio.Options{Creds: creds, Secure: cfg.Secure, Region: cfg.Region}
	if cfg.Transport != nil {
		base, err := minio.DefaultTransport(cfg.Secure)
		if err != nil {
			return nil, fmt.Errorf("s3: transport: %w", err)
		}
		opts.Transport = cfg.Transport(base)
	}
	core, err := minio.NewCore(cfg.Endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("s3: client: %w", err)
	}
	pubEndpoint, pubSecure := cfg.PublicEndpoint, cfg.PublicSecure
	if pubEndpoint == "" {
		pubEndpoint, pubSecure = cfg.Endpoint, cfg.Secure
	}
	public, err := minio.New(pubEndpoint, &minio.Options{Creds: creds, Secure: pubSecure, Region: cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("s3: public client: %w", err)
	}
	s := &Store{core: core, public: public, bucket: cfg.Bucket}
	exists, err := core.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.err(err, "bucket "+cfg.Bucket)
	}
	if !exists {
		if err := core.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			var er minio.ErrorResponse
			if !errors.As(err, &er) || er.Code != "BucketAlreadyOwnedByYou" {
				return nil, s.err(err, "create bucket "+cfg.Bucket)
			}
		}
	}
	return s, nil
}

// err maps store errors: missing → NotFound, unreachable → Unavailable.
func (s *Store) err(err error, what string) error {
	if err == nil {
		return nil
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.Code {
		case "NoSuchKey", "NoSuchUpload", "NoSuchBucket":
			return &apperr.Error{Kind: apperr.NotFound, Msg: "stored object not found", Err: fmt.Errorf("%s: %w", what, err)}
		}
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return &apperr.Error{Kind: apperr.Unavailable, Msg: "media storage is unavailable; try again shortly", RetryAfter: 5 * time.Second, Err: fmt.Errorf("%s: %w", what, err)}
	}
	return fmt.Errorf("s3: %s: %w", what, err)
}

func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := s.core.Client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType, PartSize: 16 << 20})
	return s.err(err, "put "+key)
}

func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.core.Client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.err(err, "get "+key)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.err(err, "get "+key)
	}
	return obj, nil
}

func (s *Store) Head(ctx context.Context, key string, n int64) ([]byte, error) {
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, n-1); err != nil {
		return nil, err
	}
	obj, _, _, err := s.core.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, s.err(err, "head "+key)
	}
	defer obj.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(obj, n)); err != nil {
		return nil, s.err(err, "head "+key)
	}
	return buf.Bytes(), nil
}

func (s *Store) Stat(ctx context.Context, key string) (media.ObjectInfo, error) {
	info, err := s.core.Client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return media.ObjectInfo{}, s.err(err, "stat "+key)
	}
	return media.ObjectInfo{Key: key, Size: info.Size, ContentType: info.ContentType, LastModified: info.LastModified}, nil
}

func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.core.Client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	var er minio.ErrorResponse
	if errors.As(err, &er) && er.Code == "NoSuchKey" {
		return nil
	}
	return s.err(err, "delete "+key)
}

func (s *Store) List(ctx context.Context, prefix string, fn func(media.ObjectInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.core.Client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return s.err(obj.Err, "list "+prefix)
		}
		if err := fn(media.ObjectInfo{Key: obj.Key, Size: obj.Size, ContentType: obj.ContentType, LastModified: obj.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) NewMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	return id, s.err(err, "start upload "+key)
}

func (s *Store) PresignPart(ctx context.Context, key, uploadID string, n int, expiry time.Duration) (string, error) {
	u, err := s.public.Presign(ctx, "PUT", s.bucket, key, expiry, url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {uploadID}})
	if err != nil {
		return "", s.err(err, "presign part")
	}
	return u.String(), nil
}

func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]media.Part, error) {
	var out []media.Part
	marker := 0
	for {
		res, err := s.core.ListObjectParts(ctx, s.bucket, key, uploadID, marker, 1000)
		if err != nil {
			return nil, s.err(err, "list parts "+key)
		}
		for _, p := range res.ObjectParts {
			out = append(out, media.Part{Number: p.PartNumber, ETag: p.ETag, Size: p.Size})
		}
		if !res.IsTruncated {
			break
		}
		marker = res.NextPartNumberMarker
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []media.Part) error {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := s.core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, cp, minio.PutObjectOptions{})
	return s.err(err, "complete upload "+key)
}

func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	err := s.core.AbortMultipartUpload(ctx, s.bucket, key, uploadID)
	var er minio.ErrorResponse
	if errors.As(err, &er) && er.Code == "NoSuchUpload" {
		return nil
	}
	return s.err(err, "abort upload "+key)
}

func (s *Store) PresignGet(ctx context.Context, key string, expiry time.Duration, downloadName string) (string, error) {
	params := url.Values{}
	if downloadName != "" {
		params.Set("response-content-disposition", "attachment; filename*=UTF-8''"+url.PathEscape(downloadName))
	}
	u, err := s.public.PresignedGetObject(ctx, s.bucket, key, expiry, params)
	if err != nil {
		return "", s.err(err, "presign get")
	}
	return u.String(), nil
}

func (s *Store) Ready(ctx context.Context) error {
	_, err := s.core.BucketExists(ctx, s.bucket)
	return s.err(err, "ping")
}
