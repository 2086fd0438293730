package graph

import (
	"context"
	"encoding/base64"
	"time"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/sheet"
)

// handOver gives the caller an export: stored privately behind a
// short-lived link, or, on a server without object storage, inline.
func (r *Resolver) handOver(ctx context.Context, x *sheet.File) (url *string, expiresAt *time.Time, data *string, err error) {
	defer x.Close()
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, nil, nil, apperr.Unauthenticatedf("sign in first")
	}
	body, err := x.Open()
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := r.Files.Deliver(ctx, p.TenantID, x.Filename, x.ContentType, body, x.Size)
	if err != nil {
		return nil, nil, nil, err
	}
	if d != nil {
		return &d.URL, &d.ExpiresAt, nil, nil
	}
	b, err := x.Bytes()
	if err != nil {
		return nil, nil, nil, err
	}
	inline := base64.StdEncoding.EncodeToString(b)
	return nil, nil, &inline, nil
}
