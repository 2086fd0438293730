package graph

import (
	"zhdj/graph/model"
	"zhdj/internal/apperr"
	"zhdj/internal/site"
)

var errOrgUnitNotFound = apperr.NotFoundf("org unit not found")

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// homeBlocks turns stored blocks into the members of the HomeBlock union.
func homeBlocks(in []site.HomeBlock) []model.HomeBlock {
	out := make([]model.HomeBlock, 0, len(in))
	for _, b := range in {
		switch b.Type {
		case site.BlockHero:
			out = append(out, &model.HeroBlock{Title: b.Title, Subtitle: b.Subtitle, ImageMediaID: optional(b.ImageID), LinkURL: optional(b.LinkURL)})
		case site.BlockContentList:
			f := b.Filter
			if f == nil {
				f = &site.ContentFilter{}
			}
			out = append(out, &model.ContentListBlock{Title: b.Title, Filter: f, Limit: b.Limit})
		case site.BlockFeatured:
			out = append(out, &model.FeaturedBlock{Title: b.Title, Limit: b.Limit})
		case site.BlockLinks:
			links := make([]*site.Link, len(b.Links))
			for i := range b.Links {
				links[i] = &b.Links[i]
			}
			out = append(out, &model.LinkListBlock{Title: b.Title, Links: links})
		}
	}
	return out
}

// hidePrivate is hideNotFound for private objects (accounts, member
// records), which a signed-out caller is not told about either.
func hidePrivate(err error) error {
	if apperr.Is(err, apperr.Unauthenticated) {
		return nil
	}
	return hideNotFound(err)
}

// hideNotFound turns NotFound into "no error": node(id:) answers null for
// what does not exist.
func hideNotFound(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func itoa(i int) string {
	b := [20]byte{}
	n := len(b)
	if i == 0 {
		return "0"
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
