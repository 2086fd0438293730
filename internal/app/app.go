// Package app is the composition root: it opens the database, applies
// migrations, builds the domain services and the HTTP handler chain, and
// runs the server until it is told to stop.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/rs/cors"
	"go.opentelemetry.io/otel/trace"

	"github.com/alexedwards/argon2id"

	"zhdj/graph"
	"zhdj/internal/account"
	"zhdj/internal/audit"
	"zhdj/internal/cockpit"
	"zhdj/internal/config"
	"zhdj/internal/console"
	"zhdj/internal/content"
	"zhdj/internal/graphiql"
	"zhdj/internal/interaction"
	"zhdj/internal/jobs"
	"zhdj/internal/learning"
	"zhdj/internal/live"
	"zhdj/internal/media"
	"zhdj/internal/media/s3"
	"zhdj/internal/meeting"
	"zhdj/internal/member"
	"zhdj/internal/metrics"
	"zhdj/internal/moderation"
	"zhdj/internal/notify"
	"zhdj/internal/operation"
	"zhdj/internal/org"
	"zhdj/internal/pii"
	"zhdj/internal/points"
	"zhdj/internal/postgres"
	"zhdj/internal/quiz"
	"zhdj/internal/ratelimit"
	"zhdj/internal/rekey"
	"zhdj/internal/respcache"
	"zhdj/internal/search"
	"zhdj/internal/search/meili"
	"zhdj/internal/search/pgsearch"
	"zhdj/internal/site"
	"zhdj/internal/sso"
	"zhdj/internal/task"
	"zhdj/internal/tenant"
	"zhdj/internal/tracing"
	"zhdj/internal/volunteer"
	"zhdj/internal/warning"
)

// Option adjusts how New builds the App.
type Option func(*options)

type options struct {
	queryTracers []pgx.QueryTracer
	tracing      trace.TracerProvider
}

// WithQueryTracer traces every statement of the server's pool (tests count
// statements with it).
func WithQueryTracer(t pgx.QueryTracer) Option {
	return func(o *options) { o.queryTracers = append(o.queryTracers, t) }
}

// WithTracing makes OpenTelemetry spans with tp: one per request, GraphQL
// operation, root field and loader batch, statement and object-store call.
func WithTracing(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracing = tp }
}

// App is a wired zhdj server.
type App struct {
	Config config.Config
	Log    *slog.Logger
	Pool   *pgxpool.Pool
	// Replicas are read by anonymous public queries (nil: none configured).
	Replicas  *postgres.Replicas
	Tenants   *tenant.Service
	Org       *org.Service
	Sites     *site.Service
	Accounts  *account.Service
	Audit     *audit.Service
	Members   *member.Service
	Media     *media.Service
	Content   *content.Service
	Volunteer *volunteer.Service
	Learning  *learning.Service
	Tasks     *task.Service
	Inbox     *notify.Service
	Ledger    *points.Service
	Cockpit   *cockpit.Service
	// Talk is suggestions and comments, screened by Moderation.
	Talk       *interaction.Service
	Moderation *moderation.Service
	// Warnings raises early warnings (a periodic job) and answers them.
	Warnings *warning.Service
	// Live carries the database's change announcements to subscriptions.
	Live *live.Hub
	// Answers keeps anonymous readers' answers of public queries, and
	// forgets a school's on the announcement of a change there.
	Answers *respcache.Cache
	// Operations keeps persisted documents and the sites' registered
	// operations (the allow-list when ZHDJ_OPERATIONS=registered).
	Operations *operation.Service
	Meetings   *meeting.Service
	Quizzes    *quiz.Service
	// SSO runs campus sign-ins (OpenID Connect, CAS).
	SSO *sso.Service
	// Limits counts requests against the rate limits, shared by every
	// process through the database.
	Limits  *ratelimit.Limiter
	Search  *search.Service
	Indexer *search.Indexer
	Keyring *pii.Keyring
	// Rekey reseals personal data with the newest key (key rotation).
	Rekey *rekey.Service
	// Store is the media object store, nil when none is configured.
	Store media.ObjectStore
	// Handler serves every HTTP route.
	Handler http.Handler
	// Metrics is what this process shows Prometheus (served on
	// ZHDJ_METRICS_ADDR).
	Metrics *metrics.Metrics

	origins  *originSet
	tracing  trace.TracerProvider // nil: not traced
	inserter jobs.Inserter
	draining atomic.Bool // stopping: /readyz answers 503
	migrator *postgres.Migrator
	worker   *jobs.Worker
	stopBG   context.CancelFunc
	bgDone   sync.WaitGroup
}

// NewLogger returns the logger the configuration asks for, writing to stderr.
func NewLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// New connects to the database, migrates it when cfg.AutoMigrate is set
// (and otherwise refuses to start on a database that is not current), and
// wires the services and the handler. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	if err := cfg.RequireDatabase(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.tracing != nil {
		o.queryTracers = append(o.queryTracers, tracing.QueryTracer(o.tracing))
	}
	var tune []func(*pgxpool.Config)
	switch len(o.queryTracers) {
	case 0:
	case 1:
		tune = append(tune, func(c *pgxpool.Config) { c.ConnConfig.Tracer = o.queryTracers[0] })
	default:
		tune = append(tune, func(c *pgxpool.Config) { c.ConnConfig.Tracer = multitracer.New(o.queryTracers...) })
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL, tune...)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Pool: pool, tracing: o.tracing}
	if len(cfg.ReplicaURLs) > 0 {
		if a.Replicas, err = postgres.OpenReplicas(ctx, pool, cfg.ReplicaURLs, cfg.ReplicaMaxLag, log, tune...); err != nil {
			pool.Close()
			return nil, err
		}
	}
	if err := a.init(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	if a.Config.AutoMigrate {
		if err := Migrate(ctx, a.Config, a.Log); err != nil {
			return err
		}
	}
	if err := postgres.CheckServerRole(ctx, a.Pool); err != nil {
		return err
	}
	m, err := postgres.NewMigrator(a.Pool, a.Log)
	if err != nil {
		return err
	}
	a.migrator = m
	cur, target, err := m.Versions(ctx)
	if err != nil {
		return err
	}
	if cur != target {
		return fmt.Errorf("app: database is at migration %d but this build needs %d; run `zhdj migrate up` or set ZHDJ_AUTO_MIGRATE=true", cur, target)
	}

	a.Metrics = metrics.New() // the services count into it
	a.Tenants = tenant.NewService(a.Pool)
	a.Org = org.NewService(a.Pool)
	// The CORS list reads the sites' origins, and the sites tell it when
	// they change.
	a.origins = newOriginSet(func(ctx context.Context) ([]string, error) { return a.Sites.ActiveOrigins(ctx) },
		a.Config.CORSOrigins, a.Config.OriginRefresh, a.Log)
	a.Sites = site.NewService(a.Pool, a.origins.Changed)
	a.Audit = audit.NewService(a.Pool)
	if a.Keyring, err = NewKeyring(a.Config, a.Log); err != nil {
		return err
	}
	tokens, err := newTokens(a.Config, a.Log)
	if err != nil {
		return err
	}
	hasher, err := account.NewHasher(argon2id.Params{
		Memory: uint32(a.Config.Argon2MemoryKiB), Iterations: uint32(a.Config.Argon2Iterations),
		Parallelism: uint8(a.Config.Argon2Parallelism), SaltLength: 16, KeyLength: 32,
	})
	if err != nil {
		return err
	}
	if err := a.initServices(ctx); err != nil {
		return err
	}
	a.Accounts = account.NewService(a.Pool, tokens, hasher, a.Keyring, account.Config{
		AccessTTL: a.Config.AccessTTL, RefreshTTL: a.Config.RefreshTTL,
		Password:              account.PasswordPolicy{MinLength: a.Config.PasswordMinLength, MaxLength: 128},
		MaxFailuresPerAccount: a.Config.LoginFailuresPerIdent, MaxFailuresPerIP: a.Config.LoginFailuresPerIP,
		FailureWindow: a.Config.LoginFailureWindow,
	})

	a.SSO = sso.NewService(a.Pool, a.Keyring, a.Accounts, a.Config.PublicURL, a.origins.Allowed)
	if err := a.origins.Refresh(ctx); err != nil {
		return err
	}
	a.initMetrics()
	a.Handler = a.routes()

	if a.Config.NoBackground {
		return nil
	}
	// Background work lives as long as the App, not as long as ctx.
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopBG = stop
	a.bgDone.Go(func() { a.origins.Run(bg) })
	a.bgDone.Go(func() { a.Limits.Run(bg, a.Config.OriginRefresh) })
	a.bgDone.Go(func() { a.Live.Run(bg) })
	if a.Replicas != nil {
		a.bgDone.Go(func() {
			a.Replicas.Run(bg, min(max(a.Config.ReplicaMaxLag/8, 50*time.Millisecond), 500*time.Millisecond))
		})
	}
	a.bgDone.Go(func() { a.Operations.Run(bg, 10*time.Second) })
	a.bgDone.Go(func() {
		if err := a.Indexer.ConfigureAll(bg); err != nil {
			a.Log.Warn("search: configure the index (drains retry it)", "err", err)
		}
		a.Indexer.Listen(bg)
	})
	go search.Warm() // the segmenter's dictionary, before the first search needs it
	a.bgDone.Go(func() {
		a.Content.Views.Run(bg, a.Config.ViewFlush, func(err error) { a.Log.Warn("content views", "err", err) })
	})
	if err := a.worker.Start(bg); err != nil {
		return fmt.Errorf("app: start job worker: %w", err)
	}
	if len(a.Keyring.Versions()) > 1 {
		a.bgDone.Go(func() { a.queueReseal(bg) })
	}
	return nil
}

// initServices connects the object store (when configured), wires the
// media, content, volunteer and search services and the background job
// workers.
func (a *App) initServices(ctx context.Context) error {
	c := a.Config
	var store media.ObjectStore // nil (not a nil *s3.Store) without one
	if c.S3.Endpoint != "" {
		s, err := openStore(ctx, c, a.storeCalls)
		if err != nil {
			return err
		}
		a.Store, store = s, s
	} else {
		a.Log.Warn("ZHDJ_S3_ENDPOINT is not set: media uploads are disabled")
	}
	inserter, err := jobs.NewInserter(a.Pool)
	if err != nil {
		return err
	}
	a.inserter = inserter
	a.Members = member.NewService(a.Pool, a.Keyring, inserter)
	limits := media.DefaultLimits
	limits.MaxImageBytes, limits.MaxVideoBytes, limits.MaxDocumentBytes = c.MaxImageBytes, c.MaxVideoBytes, c.MaxDocumentBytes
	limits.DefaultQuotaBytes, limits.PartSize = c.MediaQuotaBytes, c.UploadPartBytes
	limits.AbandonAfter, limits.OrphanGrace = c.AbandonUploads, c.OrphanGrace
	tools := media.FindTools()
	a.Media = media.NewService(a.Pool, store, inserter, media.Config{Limits: limits, CDNBase: c.CDNBaseURL, Tools: tools, Log: a.Log,
		Uploaded: func(p media.Purpose, via string, n int64) { a.Metrics.Uploaded(string(p), via, n) }})
	a.Volunteer = volunteer.NewService(a.Pool, a.Keyring, nil)
	a.Volunteer.ObserveSignUpBatches(a.Metrics.SignUpBatch)
	a.Learning = learning.NewService(a.Pool)
	a.Limits = ratelimit.New(a.Pool, c.RateLimits, a.Log)
	sanitizer := content.NewSanitizer(c.IframeHosts)
	a.Content = content.NewService(a.Pool, a.Media, inserter, sanitizer, content.WebhookPolicy{AllowPrivate: c.WebhookAllowPrivate})
	a.Tasks = task.NewService(a.Pool, inserter, sanitizer.Clean)
	a.Inbox = notify.NewService(a.Pool)
	a.Meetings = meeting.NewService(a.Pool, inserter)
	a.Quizzes = quiz.NewService(a.Pool)
	a.Ledger = points.NewService(a.Pool)
	a.Cockpit = cockpit.NewService(a.Pool, c.CockpitMaxAge)
	a.Warnings = warning.NewService(a.Pool, a.Learning)
	a.Moderation = moderation.NewService(a.Pool)
	a.Talk = interaction.NewService(a.Pool, a.Moderation)
	a.Live = live.NewHub(a.Pool, c.Live.MaxConnections, a.Log)
	a.Operations = operation.NewService(a.Pool, operation.Mode(c.Operations), a.Log)
	consoleOps, err := console.Operations("admin")
	if err != nil {
		return err
	}
	a.Operations.Builtin(consoleOps)
	if a.Operations.Mode() == operation.Registered {
		if err := a.Operations.Load(ctx); err != nil {
			return err
		}
	}
	a.Answers = respcache.New(respcache.Options{MaxBytes: c.ResponseCacheBytes, Disabled: c.ResponseCacheBytes == 0, Listening: a.Live.Listening})
	a.Live.Watch(live.TopicPublic, func(e live.Event) {
		// Replicas first: an answer computed after the cache forgets
		// must not read a replica that has not replayed the change.
		a.Replicas.Fence(context.Background())
		if e.Topic == live.TopicResync || e.Area == "site" || e.Area == "" {
			a.Sites.Forget() // a site's routing and max-age
			a.origins.Kick() // and its origins
		}
		if e.Topic == live.TopicResync {
			a.Answers.ForgetAll()
			return
		}
		a.Answers.Forget(e.Tenant, e.Area)
	})

	var index search.Index = pgsearch.New(a.Pool, c.SearchConcurrency)
	var tokens search.TokenMinter // keys for front ends that query Meilisearch themselves
	if c.Meili.URL != "" {
		m := meili.New(meili.Config{URL: c.Meili.URL, APIKey: c.Meili.APIKey, SearchKey: c.Meili.SearchKey, SearchKeyUID: c.Meili.SearchKeyUID})
		index = m
		if c.Meili.SearchKey != "" {
			tokens = m
		}
	}
	a.Search = search.NewService(a.Pool, index, tokens, c.SearchTokenTTL)
	a.Log.Info("search engine", "engine", index.Name())
	a.Indexer = search.NewIndexer(a.Pool, index, inserter, a.Log,
		search.IndexerConfig{RetryCap: c.SearchRetryMax, CompactAfterLargeDrain: c.SearchCompact > 0})

	workers := river.NewWorkers()
	river.AddWorker(workers, &search.DrainWorker{Indexer: a.Indexer})
	river.AddWorker(workers, &search.SweepWorker{Indexer: a.Indexer})
	river.AddWorker(workers, &search.ReconcileWorker{Indexer: a.Indexer})
	river.AddWorker(workers, &search.CompactWorker{Indexer: a.Indexer})
	river.AddWorker(workers, &media.ProcessWorker{Media: a.Media, Log: a.Log})
	river.AddWorker(workers, &media.SweepWorker{Media: a.Media, Log: a.Log})
	river.AddWorker(workers, &content.PublishWorker{Content: a.Content})
	river.AddWorker(workers, &content.WebhookWorker{Content: a.Content})
	river.AddWorker(workers, &member.ImportWorker{Members: a.Members})
	river.AddWorker(workers, &task.NoticeWorker{Tasks: a.Tasks})
	river.AddWorker(workers, &task.OverdueWorker{Tasks: a.Tasks})
	river.AddWorker(workers, &meeting.ReminderWorker{Meetings: a.Meetings})
	river.AddWorker(workers, &points.AwardWorker{Points: a.Ledger})
	river.AddWorker(workers, &warning.ScanWorker{Warnings: a.Warnings})
	a.Rekey = rekey.NewService(a.Pool, a.Keyring, member.SealedColumns, volunteer.SealedColumns, sso.SealedColumns)
	river.AddWorker(workers, &rekey.ResealWorker{Rekey: a.Rekey, Progress: resealProgress(a.Log)})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(c.SearchSweep),
			func() (river.JobArgs, *river.InsertOpts) { return search.SweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(c.SearchReconcile),
			func() (river.JobArgs, *river.InsertOpts) { return search.ReconcileArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(c.PointsAward),
			func() (river.JobArgs, *river.InsertOpts) { return points.AwardArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
	}
	if c.WarningScan > 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(c.WarningScan),
			func() (river.JobArgs, *river.InsertOpts) { return warning.ScanArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	if c.SearchCompact > 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(c.SearchCompact),
			func() (river.JobArgs, *river.InsertOpts) { return search.CompactArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	if store != nil {
		river.AddWorker(workers, &media.DeleteObjectsWorker{Store: store})
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return media.SweepArgs{}, nil }, nil))
	} else {
		river.AddWorker(workers, &media.DeleteObjectsWorker{})
	}
	a.worker, err = jobs.NewWorker(a.Pool, jobs.Config{Workers: workers, PeriodicJobs: periodic, MaxWorkers: c.JobWorkers, Queues: rekey.Queues(a.Keyring), Log: a.Log, FetchPoll: 200 * time.Millisecond, Lease: c.JobLease})
	return err
}

func (a *App) routes() http.Handler {
	resolver := &graph.Resolver{Tenants: a.Tenants, Org: a.Org, Sites: a.Sites, Identities: a.Accounts, Audit: a.Audit, People: a.Members, Files: a.Media, Publishing: a.Content, Volunteer: a.Volunteer, Learning: a.Learning, Work: a.Tasks, Meetings: a.Meetings, Answering: a.Quizzes, Inbox: a.Inbox, Ledger: a.Ledger, Figures: a.Cockpit, Finder: a.Search,
		Live: a.Live, LiveEvery: a.Config.Live.Every, Supervision: a.Warnings,
		Talk: a.Talk, Moderation: a.Moderation}
	if a.tracing != nil {
		resolver.Tracer = tracing.Tracer(a.tracing)
	}
	gql := graph.NewHandler(resolver, graph.Limits{
		MaxTokens:     a.Config.MaxTokens,
		MaxDepth:      a.Config.MaxDepth,
		MaxComplexity: a.Config.MaxComplexity,
		MaxAliases:    a.Config.MaxAliases,
		Introspection: a.Config.Introspection,
		Suggestions:   a.Config.Suggestions,
		// The largest file that comes through the API (not straight to storage).
		MaxUploadBytes: max(member.MaxImportBytes, a.Config.MaxImageBytes, a.Config.MaxDocumentBytes) + 1<<20,
		RateLimiter:    a.Limits,
		Live: graph.LiveTransport{Authenticate: a.Accounts.Authenticate, Admit: a.Live.Admit,
			Ping: a.Config.Live.Ping, InitTimeout: a.Config.Live.InitTimeout},
		Operations: a.Operations,
	}, a.Log)

	c := cors.New(cors.Options{
		AllowOriginFunc:  a.origins.Allowed,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "X-Request-Id", "GraphQL-Preflight"},
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           600,
	})

	mux := http.NewServeMux()
	mux.Handle("/graphql", a.sameSiteUpgrade(c.Handler(onlyGraphQLMethods(withBodyLimit(a.Config.MaxBodyBytes, a.Answers.Handler(a.withReplicas(a.withPrincipal(gql))))))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.HandleFunc("GET /auth/{school}/{provider}/start", a.ssoStart)
	mux.HandleFunc("GET /auth/{school}/{provider}/callback", a.ssoCallback)
	// The admin console, from files in the binary; it uses only /graphql.
	mux.Handle("GET "+console.Prefix, console.Admin())
	mux.Handle("GET /admin", http.RedirectHandler(console.Prefix, http.StatusMovedPermanently))
	if a.Config.GraphiQL {
		// From files in the binary: no CDN (campus networks, mainland China).
		ide := graphiql.Handler("zhdj GraphQL", "/graphql")
		mux.Handle("GET /{$}", ide)
		mux.Handle("GET "+graphiql.Prefix, ide)
	}
	h := withRequestLog(a.Log, a.Metrics, withClientIP(a.Config.TrustedProxies, mux))
	if a.tracing == nil {
		return h
	}
	// Outside the log, so that its line carries the trace id.
	return tracing.Handler(a.tracing, func(r *http.Request) string { return metrics.Route(r.URL.Path) }, h)
}

// queueReseal queues the background reseal while personal data is sealed
// with an older key than the newest listed (after a key was added).
func (a *App) queueReseal(ctx context.Context) {
	stale, err := a.Rekey.Stale(ctx)
	if err != nil {
		a.Log.Warn("pii: count the values sealed with older keys", "err", err)
		return
	}
	active := a.Keyring.Active()
	if stale == 0 {
		a.Log.Info("pii: every value is sealed with the newest key; older keys may be removed from ZHDJ_PII_KEYS", "key", active)
		return
	}
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		_, err := a.inserter.InsertTx(ctx, tx, rekey.ResealArgs{Version: active}, nil)
		return err
	})
	if err != nil {
		a.Log.Warn("pii: queue the reseal (zhdj keys reseal does it by hand)", "err", err)
		return
	}
	a.Log.Info("pii: resealing values sealed with older keys in the background", "values", stale, "key", active)
}

// resealProgress logs the background reseal every tenth of the way.
func resealProgress(log *slog.Logger) func(done, total int64) {
	var step int64 = -1
	return func(done, total int64) {
		if done == 0 {
			step = -1 // a new run
		}
		if total == 0 {
			return
		}
		if s := done * 10 / total; s != step {
			step = s
			log.Info("pii: reseal", "done", done, "of", total)
		}
	}
}

// OpenStore connects to the media store ZHDJ_S3_* name (for commands
// that need the store without a server: backup and restore).
func OpenStore(ctx context.Context, c config.Config) (media.ObjectStore, error) {
	if c.S3.Endpoint == "" {
		return nil, nil
	}
	s, err := openStore(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openStore(ctx context.Context, c config.Config, wrap func(http.RoundTripper) http.RoundTripper) (*s3.Store, error) {
	s, err := s3.New(ctx, s3.Config{Endpoint: c.S3.Endpoint, Region: c.S3.Region, Bucket: c.S3.Bucket,
		AccessKey: c.S3.AccessKey, SecretKey: c.S3.SecretKey, Secure: c.S3.Secure,
		PublicEndpoint: c.S3.PublicEndpoint, PublicSecure: c.S3.PublicSecure, Transport: wrap})
	if err != nil {
		return nil, fmt.Errorf("app: media storage at %s: %w", c.S3.Endpoint, err)
	}
	return s, nil
}

// storeCalls counts the object store's HTTP calls by outcome (the storage
// errors alert), and traces them when tracing is on.
func (a *App) storeCalls(base http.RoundTripper) http.RoundTripper {
	rt := a.Metrics.StoreTransport(base)
	if a.tracing == nil {
		return rt
	}
	return tracing.Transport(a.tracing, rt)
}

// ready answers 200 when the database answers and its migrations are current.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	if a.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]any{}
	ok := true
	if err := a.Pool.Ping(ctx); err != nil {
		ok = false
		checks["database"] = "unreachable"
		a.Log.WarnContext(ctx, "readyz: database ping failed", "err", err)
	} else {
		checks["database"] = "ok"
		cur, target, err := a.migrator.Versions(ctx)
		switch {
		case err != nil:
			ok = false
			checks["migrations"] = "unknown"
		case cur != target:
			ok = false
			checks["migrations"] = map[string]int64{"current": cur, "target": target}
		default:
			checks["migrations"] = map[string]int64{"current": cur, "target": target}
		}
	}
	if a.Store != nil {
		if err := a.Store.Ready(ctx); err != nil {
			ok = false
			checks["mediaStorage"] = "unreachable"
		} else {
			checks["mediaStorage"] = "ok"
		}
	} else {
		checks["mediaStorage"] = "not configured"
	}
	// Search answers from Meilisearch when one is configured; the rest of
	// the API works without it, so it is reported, not required.
	if err := a.Search.Ready(ctx); err != nil {
		checks["search"] = map[string]string{"engine": a.Search.Engine(), "status": "unreachable: searches answer UNAVAILABLE, changes wait in the outbox"}
	} else {
		checks["search"] = map[string]string{"engine": a.Search.Engine(), "status": "ok"}
	}
	// A replica down or behind is read no more; the primary answers.
	if rs := a.Replicas.Status(); len(rs) > 0 {
		replicas := map[string]any{}
		for _, r := range rs {
			replicas[r.Name] = map[string]any{"state": r.State, "lagMs": r.Lag.Milliseconds(), "read": r.Usable}
		}
		checks["replicas"] = replicas
	}
	tools := a.Media.Tools()
	checks["videoTools"] = map[string]string{"ffprobe": presence(tools.FFprobe), "ffmpeg": presence(tools.FFmpeg)}
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "not ready", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": checks})
}

func presence(path string) string {
	if path == "" {
		return "missing: videos get no duration or poster"
	}
	return "found"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves HTTP on cfg.HTTPAddr (or on l when it is not nil) until ctx
// ends, then stops accepting connections and waits up to ShutdownTimeout
// for in-flight requests to finish.
func (a *App) Run(ctx context.Context, l net.Listener) error {
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", a.Config.HTTPAddr); err != nil {
			return fmt.Errorf("app: listen on %s: %w", a.Config.HTTPAddr, err)
		}
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if a.Config.PprofAddr != "" {
		pm := http.NewServeMux()
		pm.HandleFunc("/debug/pprof/", pprof.Index)
		pm.HandleFunc("/debug/pprof/profile", pprof.Profile)
		pm.HandleFunc("/debug/pprof/trace", pprof.Trace)
		ps := &http.Server{Addr: a.Config.PprofAddr, Handler: pm, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = ps.ListenAndServe() }()
		defer ps.Close()
		a.Log.Info("profiling", "addr", "http://"+a.Config.PprofAddr+"/debug/pprof/")
	}
	defer a.serveMetrics()()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	a.Log.Info("serving", "addr", "http://"+l.Addr().String(), "graphql", "/graphql", "graphiql", a.Config.GraphiQL)

	select {
	case err := <-errc:
		return fmt.Errorf("app: serve: %w", err)
	case <-ctx.Done():
	}
	if d := a.Config.ShutdownDelay; d > 0 {
		// Still serving, but no longer ready: balancers take this process
		// out of rotation before it stops taking requests.
		a.draining.Store(true)
		a.Log.Info("stopping: /readyz says draining; still serving", "for", d)
		time.Sleep(d)
	}
	a.Log.Info("shutting down; draining in-flight requests", "timeout", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops background work (finishing jobs in progress, up to a
// minute) and releases the database.
func (a *App) Close() {
	if a.worker != nil && !a.Config.NoBackground {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := a.worker.Stop(stopCtx); err != nil {
			a.Log.Warn("jobs: stop the worker (unfinished jobs are rescued by another process)", "err", err)
		}
		cancel()
	}
	if a.stopBG != nil {
		a.stopBG()
		a.bgDone.Wait()
	}
	if a.migrator != nil {
		_ = a.migrator.Close()
	}
	a.Replicas.Close()
	a.Pool.Close()
}
