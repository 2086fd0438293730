package content

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/content/contentdb"
	"zhdj/internal/postgres"
)

// Webhook events sent to static or cached front ends.
const (
	EventPublish   = "publish"
	EventUpdate    = "update"
	EventUnpublish = "unpublish"
)

// WebhookPolicy says where webhooks may go.
type WebhookPolicy struct {
	// AllowPrivate lets endpoints on loopback and private addresses through
	// (off in production: a webhook must not reach into the server's network).
	AllowPrivate bool
	Timeout      time.Duration
}

// blockedIP reports whether ip is loopback, private, link-local,
// unspecified or multicast.
func blockedIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast()
}

// checkEndpoint validates a webhook URL and, unless private addresses are
// allowed, that its host resolves only to public addresses.
func (w WebhookPolicy) checkEndpoint(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", apperr.InvalidField("url", "must be an absolute http(s) URL without credentials")
	}
	if w.AllowPrivate {
		return u.String(), nil
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", u.Hostname())
	if err != nil || len(ips) == 0 {
		return "", apperr.InvalidField("url", fmt.Sprintf("the host %s does not resolve", u.Hostname()))
	}
	for _, ip := range ips {
		if blockedIP(ip) {
			return "", apperr.InvalidField("url", fmt.Sprintf("%s resolves to %s, a private or loopback address; webhooks go to public endpoints only", u.Hostname(), ip))
		}
	}
	return u.String(), nil
}

// client returns the HTTP client deliveries use: it refuses, at connect
// time, addresses the policy blocks (a host that resolved to a public
// address at creation may not switch to a private one later).
func (w WebhookPolicy) client() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); ip != nil && blockedIP(ip) && !w.AllowPrivate {
			return fmt.Errorf("webhook: refusing to connect to %s", ip)
		}
		return nil
	}}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Webhook is an endpoint a site's front end receives content events at.
type Webhook struct {
	ID     uuid.UUID
	SiteID uuid.UUID
	URL    string
	// Secret signs deliveries; it is returned once, when the webhook is created.
	Secret string
}

// CreateWebhook registers an endpoint for a site (site.manage at the
// site's unit) and returns it with its signing secret.
func (s *Service) CreateWebhook(ctx context.Context, siteID uuid.UUID, endpoint string) (*Webhook, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	clean, err := s.webhooks.checkEndpoint(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	secretBytes := make([]byte, 32)
	_, _ = rand.Read(secretBytes)
	secret := hex.EncodeToString(secretBytes)
	var out *Webhook
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		unit, err := q.SiteUnit(ctx, contentdb.SiteUnitParams{TenantID: p.TenantID, ID: siteID})
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFoundf("site not found")
		}
		if err != nil {
			return err
		}
		if !p.Can(auth.PermSiteManage, s.scope(p, unit.Path)) {
			return apperr.Forbiddenf("you may not manage this site")
		}
		row, err := q.InsertWebhook(ctx, contentdb.InsertWebhookParams{TenantID: p.TenantID, SiteID: siteID, Url: clean, Secret: secret})
		if err != nil {
			return err
		}
		out = &Webhook{ID: row.ID, SiteID: siteID, URL: row.Url, Secret: secret}
		return nil
	})
	return out, err
}

// WebhookArgs is one delivery of one event to one endpoint.
type WebhookArgs struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	WebhookID uuid.UUID `json:"webhook_id"`
	Event     string    `json:"event"`
	ContentID uuid.UUID `json:"content_id"`
	Slug      string    `json:"slug"`
	Version   int       `json:"version"`
	At        time.Time `json:"at"`
}

// Kind names the job.
func (WebhookArgs) Kind() string { return "content.webhook" }

// InsertOpts retries deliveries with River's exponential backoff.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// enqueueWebhooks queues, in the caller's transaction, the event for every
// active webhook of every site the item appears on.
func (s *Service) enqueueWebhooks(ctx context.Context, tx pgx.Tx, c *Content, event string) error {
	q := contentdb.New(tx)
	sites, err := q.SitesShowing(ctx, contentdb.SitesShowingParams{TenantID: c.TenantID, ContentID: c.ID})
	if err != nil {
		return fmt.Errorf("content: sites showing: %w", err)
	}
	if len(sites) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(sites))
	for i, st := range sites {
		ids[i] = st.ID
	}
	hooks, err := q.WebhooksOfSites(ctx, contentdb.WebhooksOfSitesParams{TenantID: c.TenantID, SiteIds: ids})
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if _, err := s.jobs.InsertTx(ctx, tx, WebhookArgs{TenantID: c.TenantID, WebhookID: h.ID, Event: event, ContentID: c.ID,
			Slug: c.Slug, Version: c.Version, At: s.now().UTC()}, nil); err != nil {
			return err
		}
	}
	return nil
}

// WebhookWorker delivers one event: a JSON POST signed with HMAC-SHA-256
// of "timestamp.body" (header X-Zhdj-Signature: sha256=…, with
// X-Zhdj-Timestamp). Every attempt is logged; a non-2xx answer is retried.
type WebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	Content *Service
}

// Work delivers the event.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	s, a := w.Content, job.Args
	var hook contentdb.SiteWebhook
	var siteSlug string
	err := postgres.InTenantTx(ctx, s.pool, a.TenantID, func(tx pgx.Tx) error {
		var err error
		q := contentdb.New(tx)
		hook, err = q.GetWebhook(ctx, contentdb.GetWebhookParams{TenantID: a.TenantID, ID: a.WebhookID})
		if err != nil {
			return err
		}
		siteSlug, err = q.SiteSlug(ctx, contentdb.SiteSlugParams{TenantID: a.TenantID, ID: hook.SiteID})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // webhook deleted
	}
	if err != nil {
		return err
	}
	if !hook.Active {
		return nil
	}
	body, _ := json.Marshal(map[string]any{"event": a.Event, "site": siteSlug, "contentId": a.ContentID, "slug": a.Slug, "version": a.Version, "at": a.At})
	ts := strconv.FormatInt(s.now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(hook.Secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hook.Url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "zhdj-webhook/1")
	req.Header.Set("X-Zhdj-Event", a.Event)
	// The same on every attempt: receivers drop repeats by it.
	req.Header.Set("X-Zhdj-Delivery", strconv.FormatInt(job.ID, 10))
	req.Header.Set("X-Zhdj-Timestamp", ts)
	req.Header.Set("X-Zhdj-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	res, derr := s.webhooks.client().Do(req)
	var code *int32
	msg := ""
	if derr != nil {
		msg = derr.Error()
	} else {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		c := int32(res.StatusCode)
		code = &c
		if res.StatusCode < 200 || res.StatusCode > 299 {
			msg = fmt.Sprintf("HTTP %d", res.StatusCode)
		}
	}
	// The delivery is logged whatever came of it; a log that cannot be
	// written must not send the event again (it was delivered), so it is
	// only reported.
	bg := context.WithoutCancel(ctx)
	if err := postgres.InTenantTx(bg, s.pool, a.TenantID, func(tx pgx.Tx) error {
		return contentdb.New(tx).InsertDelivery(bg, contentdb.InsertDeliveryParams{TenantID: a.TenantID, WebhookID: a.WebhookID,
			Event: a.Event, ContentID: a.ContentID, Attempt: int32(job.Attempt), StatusCode: code, Error: msg})
	}); err != nil {
		slog.WarnContext(ctx, "content: log a webhook delivery", "tenant", a.TenantID, "webhook", a.WebhookID, "attempt", job.Attempt, "err", err)
	}
	if msg != "" {
		return fmt.Errorf("webhook %s: %s", a.WebhookID, msg)
	}
	return nil
}

// Delivery is one logged attempt.
type Delivery struct {
	Event       string
	ContentID   uuid.UUID
	Attempt     int
	StatusCode  *int
	Error       string
	DeliveredAt time.Time
}

// Deliveries returns a webhook's latest delivery attempts.
func (s *Service) Deliveries(ctx context.Context, webhookID uuid.UUID) ([]Delivery, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []Delivery
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		hook, err := q.GetWebhook(ctx, contentdb.GetWebhookParams{TenantID: p.TenantID, ID: webhookID})
		if err != nil {
			return postgres.Err(err, "webhook")
		}
		unit, err := q.SiteUnit(ctx, contentdb.SiteUnitParams{TenantID: p.TenantID, ID: hook.SiteID})
		if err != nil {
			return err
		}
		if !p.Can(auth.PermSiteManage, s.scope(p, unit.Path)) {
			return apperr.NotFoundf("webhook not found")
		}
		rows, err := q.Deliveries(ctx, contentdb.DeliveriesParams{TenantID: p.TenantID, WebhookID: webhookID})
		if err != nil {
			return err
		}
		for _, r := range rows {
			d := Delivery{Event: r.Event, ContentID: r.ContentID, Attempt: int(r.Attempt), Error: r.Error, DeliveredAt: r.DeliveredAt}
			if r.StatusCode != nil {
				c := int(*r.StatusCode)
				d.StatusCode = &c
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}
