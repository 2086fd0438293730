package graph

import (
	"context"

	"zhdj/internal/content"
)

// siteRef resolves the site argument of a public read (a site's slug) to
// the site and its school, through the site routing cache.
func (r *Resolver) siteRef(ctx context.Context, slug string) (content.SiteRef, error) {
	route, err := r.Sites.RouteBySlug(ctx, slug)
	if err != nil {
		return content.SiteRef{}, err
	}
	return content.SiteRef{TenantID: route.TenantID, SiteID: route.SiteID}, nil
}
