// The demo front end's operations: anonymous public reads only, sent as
// GET with automatic persisted queries (publicQuery).
import { graphql } from '@/gql'

export const SiteByOrigin = graphql(`
  query SiteByOrigin($origin: String!) {
    siteByOrigin(origin: $origin) {
      slug name description
      school { code }
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

export const VolunteerMenus = graphql(`
  query VolunteerMenus($site: String!) {
    volunteerAreas(site: $site) { id name parentId }
    volunteerTopics(site: $site) { id name }
  }
`)

export const SiteActivities = graphql(`
  query SiteActivities($site: String!, $filter: ActivityFilterInput, $first: Int) {
    activities(site: $site, filter: $filter, first: $first) {
      edges { node { id title description address startsAt endsAt placesLeft capacity status audience hours area { name } topics { name } } }
      facets { areas { area { id } count } topics { topic { id } count } }
    }
  }
`)

export const SiteLogin = graphql(`
  mutation SiteLogin($in: LoginInput!) {
    login(input: $in) { accessToken accessTokenExpiresAt refreshToken account { displayName } }
  }
`)

export const SiteSignUp = graphql(`
  mutation SiteSignUp($activity: ID!) {
    signUp(input: { activityId: $activity }) { signUp { id status waitlistPosition activity { id placesLeft } } }
  }
`)

export const SiteSearch = graphql(`
  query SiteSearch($site: String!, $query: String!, $filter: SearchFilterInput, $first: Int) {
    search(site: $site, query: $query, filter: $filter, facets: [TYPE, TOPIC, TAG], first: $first) {
      totalCount
      facets { facet values { value label count } }
      edges {
        titleHighlight summaryHighlight
        node {
          __typename
          ... on Article { id slug }
          ... on MicroLesson { id slug }
          ... on Comic { id slug }
          ... on Activity { id }
        }
      }
    }
  }
`)

export const SiteStartLearning = graphql(`
  mutation SiteStartLearning($content: ID!) {
    startLearning(input: { content: $content, mode: WATCH }) { session { id progress { seconds requiredSeconds completed } } }
  }
`)

export const SiteRecordProgress = graphql(`
  mutation SiteRecordProgress($session: ID!, $position: Int!, $playing: Boolean!, $sentAt: Time!) {
    recordProgress(input: { session: $session, position: $position, playing: $playing, sentAt: $sentAt }) {
      verdict justCompleted progress { seconds requiredSeconds completed }
    }
  }
`)
