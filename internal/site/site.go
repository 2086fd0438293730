// Package site manages sites: the front ends (web, app, WeChat H5) of an org
// unit, each with its own origins, theme, navigation and home-page blocks,
// all fed from the same content.
//
// Theme, navigation and home blocks are stored as JSON and validated here
// against the schema documented in docs/site-config.md: unknown keys, bad
// colours, unsafe URLs and over-deep menus are refused with the offending
// field path.
package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// Site is one front end bound to an org unit.
type Site struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	OrgUnitID   uuid.UUID
	Slug        string
	Name        string
	Description string
	Origins     []string
	Theme       Theme
	Navigation  []NavItem
	HomeBlocks  []HomeBlock
	Active      bool
	// PublicMaxAge is how long, in seconds, anonymous readers' answers of
	// the site may be kept (Cache-Control max-age); nil: the schema's.
	PublicMaxAge *int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Theme holds a site's design tokens.
type Theme struct {
	Colors ThemeColors `json:"colors"`
	// LogoMediaID refers to an image in the media library.
	LogoMediaID string     `json:"logoMediaId,omitempty"`
	Fonts       ThemeFonts `json:"fonts"`
	// Radius is the corner radius in pixels for cards and buttons.
	Radius *int `json:"radius,omitempty"`
}

// ThemeColors are hex colours (#rgb, #rgba, #rrggbb or #rrggbbaa). Empty
// means the default.
type ThemeColors struct {
	Primary    string `json:"primary,omitempty"`
	Secondary  string `json:"secondary,omitempty"`
	Accent     string `json:"accent,omitempty"`
	Background string `json:"background,omitempty"`
	Surface    string `json:"surface,omitempty"`
	Text       string `json:"text,omitempty"`
}

// ThemeFonts are CSS font-family lists.
type ThemeFonts struct {
	Body    string `json:"body,omitempty"`
	Heading string `json:"heading,omitempty"`
}

// DefaultTheme is the theme of a site that sets none: party red on white.
var DefaultTheme = Theme{
	Colors: ThemeColors{
		Primary: "#c8161d", Secondary: "#8b0000", Accent: "#f4b400",
		Background: "#ffffff", Surface: "#f7f3f0", Text: "#1f1f1f",
	},
	Fonts: ThemeFonts{
		Body:    `"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif`,
		Heading: `"Source Han Serif SC", "Noto Serif CJK SC", serif`,
	},
}

// withDefaults fills unset tokens from DefaultTheme.
func (t Theme) withDefaults() Theme {
	d := DefaultTheme
	fill := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	fill(&t.Colors.Primary, d.Colors.Primary)
	fill(&t.Colors.Secondary, d.Colors.Secondary)
	fill(&t.Colors.Accent, d.Colors.Accent)
	fill(&t.Colors.Background, d.Colors.Background)
	fill(&t.Colors.Surface, d.Colors.Surface)
	fill(&t.Colors.Text, d.Colors.Text)
	fill(&t.Fonts.Body, d.Fonts.Body)
	fill(&t.Fonts.Heading, d.Fonts.Heading)
	return t
}

// NavKind is what a navigation item points to.
type NavKind string

const (
	NavContentList NavKind = "content_list" // a filtered list of content
	NavPage        NavKind = "page"         // one content item by slug
	NavExternal    NavKind = "external"     // an http(s) URL
	NavGroup       NavKind = "group"        // no target; holds children
)

// NavItem is one entry of a site's menu.
type NavItem struct {
	Label    string         `json:"label"`
	Kind     NavKind        `json:"kind"`
	Filter   *ContentFilter `json:"filter,omitempty"`   // content_list
	PageSlug string         `json:"pageSlug,omitempty"` // page
	URL      string         `json:"url,omitempty"`      // external
	Children []NavItem      `json:"children,omitempty"`
}

// ContentFilter selects content for a menu entry or a home block.
type ContentFilter struct {
	Types  []string `json:"types,omitempty"`
	Tags   []string `json:"tags,omitempty"`
	Topics []string `json:"topics,omitempty"`
}

// BlockType is the kind of a home-page block.
type BlockType string

const (
	BlockHero        BlockType = "hero"         // a banner with image, text and link
	BlockContentList BlockType = "content_list" // latest content matching a filter
	BlockFeatured    BlockType = "featured"     // the site's pinned items
	BlockLinks       BlockType = "links"        // a list of links
)

// HomeBlock is one block of a site's home page, in display order.
type HomeBlock struct {
	Type     BlockType      `json:"type"`
	Title    string         `json:"title,omitempty"`
	Subtitle string         `json:"subtitle,omitempty"`     // hero
	ImageID  string         `json:"imageMediaId,omitempty"` // hero
	LinkURL  string         `json:"linkUrl,omitempty"`      // hero
	Filter   *ContentFilter `json:"filter,omitempty"`       // content_list
	Limit    int            `json:"limit,omitempty"`        // content_list, featured
	Links    []Link         `json:"links,omitempty"`        // links
}

// Link is a labelled URL.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Limits of site configuration.
const (
	MaxOrigins    = 20
	MaxNavDepth   = 3
	MaxNavItems   = 60
	MaxHomeBlocks = 30
	MaxBlockLimit = 50
	MaxLinks      = 30
)

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	colourPattern = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)
	fontPattern   = regexp.MustCompile(`^[\p{L}\p{N} ,"'._-]{1,200}$`)
	tokenPattern  = regexp.MustCompile(`^[\p{L}\p{N}_-]{1,64}$`)
	mediaPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)
)

// NormalizeOrigin checks that s is a web origin (scheme://host[:port], http
// or https, nothing else) and returns it in the form browsers send in the
// Origin header: lower-case, default port dropped.
func NormalizeOrigin(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("must be scheme://host[:port]")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", errors.New("scheme must be http or https")
	}
	if u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return "", errors.New("must be scheme://host[:port] with no user, path, query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New("host is missing")
	}
	if net.ParseIP(strings.Trim(host, "[]")) == nil && !validHostname(host) {
		return "", errors.New("host is not a valid host name")
	}
	port := u.Port()
	if port == "" && strings.HasSuffix(u.Host, ":") {
		return "", errors.New("port is empty")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", errors.New("port must be 1–65535")
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		}
	}
	hostPart := host
	if strings.Contains(host, ":") { // IPv6
		hostPart = "[" + host + "]"
	}
	if port != "" {
		return scheme + "://" + hostPart + ":" + port, nil
	}
	return scheme + "://" + hostPart, nil
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// checkURL accepts absolute http(s) URLs only: no javascript:, data: or
// relative references that a front end might render as a live link.
func checkURL(s string) error {
	if s == "" {
		return errors.New("is required")
	}
	if len(s) > 2000 {
		return errors.New("is longer than 2000 characters")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http or https URL")
	}
	return nil
}

// decodeStrict decodes raw into v, refusing unknown keys and trailing data.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("has data after the JSON value")
	}
	return nil
}

func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Errorf("%s must be %s, not %s", te.Field, te.Type.String(), te.Value)
		}
		return fmt.Errorf("must be %s, not %s", te.Type.String(), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("is not valid JSON (at byte %d)", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("has an unknown key %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return errors.New("is not valid JSON")
	}
}

// ParseTheme decodes and validates theme JSON (an empty input means the
// default theme). Problems are reported under field.
func ParseTheme(field string, raw []byte) (Theme, error) {
	var t Theme
	if len(bytes.TrimSpace(raw)) == 0 {
		return t, nil
	}
	if err := decodeStrict(raw, &t); err != nil {
		return t, apperr.InvalidField(field, err.Error())
	}
	var v apperr.Validation
	colours := []struct{ name, val string }{
		{"primary", t.Colors.Primary}, {"secondary", t.Colors.Secondary}, {"accent", t.Colors.Accent},
		{"background", t.Colors.Background}, {"surface", t.Colors.Surface}, {"text", t.Colors.Text},
	}
	for _, c := range colours {
		if c.val != "" && !colourPattern.MatchString(c.val) {
			v.Add(field+".colors."+c.name, fmt.Sprintf("%q is not a hex colour such as #c8161d", c.val))
		}
	}
	if t.LogoMediaID != "" && !mediaPattern.MatchString(t.LogoMediaID) {
		v.Add(field+".logoMediaId", "is not a media id")
	}
	if t.Fonts.Body != "" && !fontPattern.MatchString(t.Fonts.Body) {
		v.Add(field+".fonts.body", "must be a CSS font-family list of names, quotes and commas")
	}
	if t.Fonts.Heading != "" && !fontPattern.MatchString(t.Fonts.Heading) {
		v.Add(field+".fonts.heading", "must be a CSS font-family list of names, quotes and commas")
	}
	if t.Radius != nil && (*t.Radius < 0 || *t.Radius > 64) {
		v.Add(field+".radius", "must be 0–64")
	}
	return t, v.Err()
}

// ParseNavigation decodes and validates a menu (an empty input means no menu).
func ParseNavigation(field string, raw []byte) ([]NavItem, error) {
	var items []NavItem
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	if err := decodeStrict(raw, &items); err != nil {
		return nil, apperr.InvalidField(field, err.Error())
	}
	var v apperr.Validation
	count := 0
	validateNav(&v, field, items, 1, &count)
	if count > MaxNavItems {
		v.Add(field, fmt.Sprintf("has %d items; at most %d", count, MaxNavItems))
	}
	return items, v.Err()
}

func validateNav(v *apperr.Validation, field string, items []NavItem, depth int, count *int) {
	for i, it := range items {
		*count++
		f := fmt.Sprintf("%s[%d]", field, i)
		if n := utf8.RuneCountInString(strings.TrimSpace(it.Label)); n < 1 || n > 40 {
			v.Add(f+".label", "must be 1–40 characters")
		}
		switch it.Kind {
		case NavContentList:
			if it.Filter == nil {
				v.Add(f+".filter", "is required for a content_list item")
			} else {
				validateFilter(v, f+".filter", it.Filter)
			}
			noExtra(v, f, it.PageSlug == "", "pageSlug", it.URL == "", "url")
		case NavPage:
			if !slugPattern.MatchString(it.PageSlug) {
				v.Add(f+".pageSlug", "must be a content slug")
			}
			noExtra(v, f, it.Filter == nil, "filter", it.URL == "", "url")
		case NavExternal:
			if err := checkURL(it.URL); err != nil {
				v.Add(f+".url", err.Error())
			}
			noExtra(v, f, it.Filter == nil, "filter", it.PageSlug == "", "pageSlug")
		case NavGroup:
			if len(it.Children) == 0 {
				v.Add(f+".children", "a group needs at least one child")
			}
			noExtra(v, f, it.Filter == nil, "filter", it.PageSlug == "", "pageSlug", it.URL == "", "url")
		default:
			v.Add(f+".kind", "must be content_list, page, external or group")
		}
		if len(it.Children) > 0 {
			if depth >= MaxNavDepth {
				v.Add(f+".children", fmt.Sprintf("menus nest at most %d levels deep", MaxNavDepth))
				continue
			}
			validateNav(v, f+".children", it.Children, depth+1, count)
		}
	}
}

// noExtra records a problem for each named key that is set although the
// item's kind does not use it. Arguments come in pairs: isEmpty, key.
func noExtra(v *apperr.Validation, f string, pairs ...any) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if empty, _ := pairs[i].(bool); !empty {
			v.Add(f+"."+pairs[i+1].(string), "is not used by this kind")
		}
	}
}

func validateFilter(v *apperr.Validation, f string, c *ContentFilter) {
	for _, list := range []struct {
		name string
		vals []string
	}{{"types", c.Types}, {"tags", c.Tags}, {"topics", c.Topics}} {
		if len(list.vals) > 20 {
			v.Add(f+"."+list.name, "at most 20 values")
		}
		for j, s := range list.vals {
			if !tokenPattern.MatchString(s) {
				v.Add(fmt.Sprintf("%s.%s[%d]", f, list.name, j), "must be 1–64 letters, digits, '_' or '-'")
			}
		}
	}
	for j, s := range c.Types {
		switch s {
		case "article", "micro_lesson", "comic":
		default:
			v.Add(fmt.Sprintf("%s.types[%d]", f, j), "must be article, micro_lesson or comic")
		}
	}
}

// ParseHomeBlocks decodes and validates home-page blocks (an empty input
// means none).
func ParseHomeBlocks(field string, raw []byte) ([]HomeBlock, error) {
	var blocks []HomeBlock
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	if err := decodeStrict(raw, &blocks); err != nil {
		return nil, apperr.InvalidField(field, err.Error())
	}
	var v apperr.Validation
	if len(blocks) > MaxHomeBlocks {
		v.Add(field, fmt.Sprintf("has %d blocks; at most %d", len(blocks), MaxHomeBlocks))
	}
	for i, b := range blocks {
		f := fmt.Sprintf("%s[%d]", field, i)
		if utf8.RuneCountInString(b.Title) > 80 {
			v.Add(f+".title", "at most 80 characters")
		}
		limitOK := func() {
			if b.Limit < 1 || b.Limit > MaxBlockLimit {
				v.Add(f+".limit", fmt.Sprintf("must be 1–%d", MaxBlockLimit))
			}
		}
		switch b.Type {
		case BlockHero:
			if utf8.RuneCountInString(b.Subtitle) > 200 {
				v.Add(f+".subtitle", "at most 200 characters")
			}
			if b.ImageID != "" && !mediaPattern.MatchString(b.ImageID) {
				v.Add(f+".imageMediaId", "is not a media id")
			}
			if b.LinkURL != "" {
				if err := checkURL(b.LinkURL); err != nil {
					v.Add(f+".linkUrl", err.Error())
				}
			}
			noExtra(&v, f, b.Filter == nil, "filter", b.Limit == 0, "limit", len(b.Links) == 0, "links")
		case BlockContentList:
			if b.Filter == nil {
				v.Add(f+".filter", "is required for a content_list block")
			} else {
				validateFilter(&v, f+".filter", b.Filter)
			}
			limitOK()
			noExtra(&v, f, b.Subtitle == "", "subtitle", b.ImageID == "", "imageMediaId", b.LinkURL == "", "linkUrl", len(b.Links) == 0, "links")
		case BlockFeatured:
			limitOK()
			noExtra(&v, f, b.Subtitle == "", "subtitle", b.ImageID == "", "imageMediaId", b.LinkURL == "", "linkUrl", b.Filter == nil, "filter", len(b.Links) == 0, "links")
		case BlockLinks:
			if len(b.Links) == 0 || len(b.Links) > MaxLinks {
				v.Add(f+".links", fmt.Sprintf("must hold 1–%d links", MaxLinks))
			}
			for j, l := range b.Links {
				if n := utf8.RuneCountInString(strings.TrimSpace(l.Label)); n < 1 || n > 40 {
					v.Add(fmt.Sprintf("%s.links[%d].label", f, j), "must be 1–40 characters")
				}
				if err := checkURL(l.URL); err != nil {
					v.Add(fmt.Sprintf("%s.links[%d].url", f, j), err.Error())
				}
			}
			noExtra(&v, f, b.Subtitle == "", "subtitle", b.ImageID == "", "imageMediaId", b.LinkURL == "", "linkUrl", b.Filter == nil, "filter", b.Limit == 0, "limit")
		default:
			v.Add(f+".type", "must be hero, content_list, featured or links")
		}
	}
	return blocks, v.Err()
}

// CreateInput describes a new site. Theme, Navigation and HomeBlocks are
// JSON documents in the schema of docs/site-config.md; empty means default.
type CreateInput struct {
	OrgUnitID   uuid.UUID
	Slug        string
	Name        string
	Description string
	Origins     []string
	Theme       json.RawMessage
	Navigation  json.RawMessage
	HomeBlocks  json.RawMessage
}

// UpdateInput changes the fields that are set.
type UpdateInput struct {
	OrgUnitID   *uuid.UUID
	Name        *string
	Description *string
	Origins     *[]string
	Theme       json.RawMessage // nil: unchanged
	Navigation  json.RawMessage
	HomeBlocks  json.RawMessage
	Active      *bool
	// PublicMaxAge sets the site's max-age (1 to MaxPublicMaxAge seconds);
	// 0 goes back to the schema's.
	PublicMaxAge *int
}

// MaxPublicMaxAge is the longest max-age a site may set (a day).
const MaxPublicMaxAge = 86400

// parsed is validated site configuration ready to store.
type parsed struct {
	origins    []string
	theme      Theme
	navigation []NavItem
	blocks     []HomeBlock
}

func validateName(v *apperr.Validation, name string) {
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
		v.Add("name", "must be 1–200 characters")
	}
}

func validateDescription(v *apperr.Validation, d string) {
	if utf8.RuneCountInString(d) > 1000 {
		v.Add("description", "at most 1000 characters")
	}
}

// parseOrigins validates and normalises origins, refusing duplicates.
func parseOrigins(v *apperr.Validation, origins []string) []string {
	if len(origins) > MaxOrigins {
		v.Add("origins", fmt.Sprintf("at most %d origins", MaxOrigins))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(origins))
	for i, o := range origins {
		n, err := NormalizeOrigin(o)
		if err != nil {
			v.Add(fmt.Sprintf("origins[%d]", i), fmt.Sprintf("%q: %s", o, err))
			continue
		}
		if seen[n] {
			v.Add(fmt.Sprintf("origins[%d]", i), fmt.Sprintf("%q is listed twice", n))
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// Validate checks the whole input and returns every problem at once.
func (in CreateInput) validate() (parsed, error) {
	var v apperr.Validation
	var p parsed
	if !slugPattern.MatchString(in.Slug) {
		v.Add("slug", "must be 2–63 characters: lower-case letters, digits and '-'")
	}
	validateName(&v, in.Name)
	validateDescription(&v, in.Description)
	p.origins = parseOrigins(&v, in.Origins)
	var err error
	p.theme, err = ParseTheme("theme", in.Theme)
	v.Merge("", err)
	p.navigation, err = ParseNavigation("navigation", in.Navigation)
	v.Merge("", err)
	p.blocks, err = ParseHomeBlocks("homeBlocks", in.HomeBlocks)
	v.Merge("", err)
	return p, v.Err()
}

// PubliclyVisible reports whether anonymous readers may see the site.
func (s *Site) PubliclyVisible() bool { return s.Active }
