// The demo front end's operations: anonymous public reads only, sent as
// GET with automatic persisted queries (publicQuery).
import { graphql } from '@/gql'

export const SiteByOrigin = graphql(`
  query SiteByOrigin($origin: String!) {
    siteByOrigin(origin: $origin) {
      slug name description
      theme { colors { primary secondary accent background surface text } fonts { body heading } radius }
      navigation { label kind url pageSlug filter { types tags topics } children { label kind url pageSlug filter { types tags topics } } }
      homeBlocks {
        __typename
        ... on HeroBlock { title subtitle linkUrl }
        ... on FeaturedBlock { title limit }
        ... on ContentListBlock { title limit filter { types tags topics } }
        ... on LinkListBlock { title links { label url } }
      }
    }
  }
`)

export const SiteContents = graphql(`
  query SiteContents($site: String!, $filter: ContentFilterInput, $first: Int) {
    contents(site: $site, filter: $filter, first: $first) {
      edges { node { id type slug title summary publishedAt cover { url } } }
    }
  }
`)

export const SiteFeatured = graphql(`
  query SiteFeatured($site: String!) {
    featured(site: $site) { id type slug title summary cover { url } }
  }
`)

export const SiteContent = graphql(`
  query SiteContent($site: String!, $slug: String!) {
    content(site: $site, slug: $slug) {
      id type title summary publishedAt authors { displayName } cover { url }
      ... on Article { body source }
      ... on Comic { panels { caption alt image { url } } }
      ... on MicroLesson { speaker video { url posterUrl } chapters { atSeconds title } }
    }
  }
`)
