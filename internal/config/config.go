// Package config loads the server's configuration from environment
// variables. Every variable is named ZHDJ_…; each has a documented default
// (see Vars) and a bad value fails Load with an error naming the variable.
// Secrets may instead be read from a file named by the same variable with a
// _FILE suffix (ZHDJ_DATABASE_URL_FILE), as container secrets usually are.
package config

import (
	"errors"
	"fmt"

	"github.com/realclientip/realclientip-go"

	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"zhdj/internal/ratelimit"
)

// Env selects defaults suited to a developer's machine or to production.
type Env string

const (
	EnvLocal      Env = "local"
	EnvProduction Env = "production"
)

// Config is the whole configuration of a zhdj process.
type Config struct {
	Env      Env
	HTTPAddr string
	// PublicURL is where browsers reach this server (campus sign-in
	// callbacks).
	PublicURL   string
	DatabaseURL string
	AutoMigrate bool

	LogFormat string // "text" or "json"
	LogLevel  slog.Level

	// CORSOrigins are allowed in addition to every active site's origins.
	CORSOrigins []string
	// OriginRefresh is how often the site origin list is re-read.
	OriginRefresh time.Duration

	MaxBodyBytes  int64
	MaxTokens     int
	MaxDepth      int
	MaxComplexity int
	MaxAliases    int
	Introspection bool
	Suggestions   bool
	GraphiQL      bool

	ShutdownTimeout time.Duration
	// ShutdownDelay is how long a stopping server keeps serving while
	// /readyz says it is draining, so that load balancers stop sending it
	// requests before it stops taking them (0: it stops at once).
	ShutdownDelay time.Duration

	DemoPassword string

	// ReplicaURLs are streaming replicas of the database that anonymous
	// public reads go to (none: everything reads the primary).
	ReplicaURLs []string
	// ReplicaMaxLag is how far behind the primary a replica may be and
	// still be read.
	ReplicaMaxLag time.Duration

	// MigrateDatabaseURL is the owning role's URL used for migrations;
	// empty means DatabaseURL.
	MigrateDatabaseURL string

	// JWTKeys signs access tokens ("KID:BASE64,…"; the last signs).
	JWTKeys    string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// BackupDatabaseURL is the role zhdj backup and restore connect as.
	BackupDatabaseURL string
	// PIIKeys encrypt personal identifiers ("VERSION:BASE64,…"; the highest
	// version encrypts), PIIIndexKey keys their blind indexes (base64).
	PIIKeys     string
	PIIIndexKey string

	PasswordMinLength     int
	Argon2MemoryKiB       int
	Argon2Iterations      int
	Argon2Parallelism     int
	LoginFailuresPerIdent int
	LoginFailuresPerIP    int
	LoginFailureWindow    time.Duration
	// TrustedProxies are the reverse proxies (addresses and CIDR ranges)
	// whose X-Forwarded-For is believed: the client address is the
	// rightmost hop not among them. Empty: the connection's peer.
	TrustedProxies []net.IPNet

	// S3 is the object store for media; Endpoint empty means none.
	S3 S3
	// CDNBaseURL, when set, serves public media from a CDN.
	CDNBaseURL       string
	MaxImageBytes    int64
	MaxVideoBytes    int64
	MaxDocumentBytes int64
	MediaQuotaBytes  int64
	UploadPartBytes  int64
	AbandonUploads   time.Duration
	OrphanGrace      time.Duration
	JobWorkers       int
	// RateLimits are the default request limits by rule (see
	// internal/ratelimit); schools override them in settings.rateLimits.
	RateLimits map[string]ratelimit.Rule
	// JobLease is how long a process may go without renewing its lease
	// before the jobs it was running are given to the other processes.
	JobLease time.Duration

	// IframeHosts may appear as iframe sources in rich text (video players).
	IframeHosts []string
	// WebhookAllowPrivate lets webhooks go to loopback and private addresses.
	WebhookAllowPrivate bool
	ViewFlush           time.Duration

	// PprofAddr, when set, serves net/http/pprof there (keep it on loopback).
	PprofAddr string
	// Tracing is on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_*);
	// the OpenTelemetry SDK reads the rest of its variables itself.
	Tracing bool
	// MetricsAddr, when set, serves Prometheus metrics at /metrics there.
	MetricsAddr string

	// PointsAward is how often the facts waiting for their points are
	// awarded.
	PointsAward time.Duration
	// Operations is which operations run: "open" (any; those sent with
	// their hash are kept) or "registered" (only those registered for a
	// site ahead of time).
	Operations string
	// ResponseCacheBytes bounds the public answers each process keeps
	// (internal/respcache; 0: none kept).
	ResponseCacheBytes int64
	// CockpitMaxAge is how old a cockpit may be when it is read (computed
	// cockpits are kept that long; 0: computed for every reader).
	CockpitMaxAge time.Duration
	// WarningScan is how often every school's early-warning rules run (0:
	// never by itself; `zhdj` commands or a test run them).
	WarningScan time.Duration
	// Live configures subscriptions over WebSocket.
	Live Live
	// Meili is the Meilisearch server; URL empty means the built-in
	// PostgreSQL search.
	Meili Meili
	// SearchSweep is how often tenants with unindexed changes are looked
	// for (besides change notifications); SearchReconcile how often the
	// index is compared with the database; SearchRetryMax caps the wait
	// between retries while the search engine is down.
	SearchSweep     time.Duration
	SearchReconcile time.Duration
	// SearchCompact is how often the built-in engine checks how each
	// school's documents lie on disk (and compacts them if scattered); 0:
	// never by itself (zhdj search compact only).
	SearchCompact  time.Duration
	SearchRetryMax time.Duration
	SearchTokenTTL time.Duration
	// SearchConcurrency is how many searches the built-in engine runs in
	// PostgreSQL at once; more wait their turn.
	SearchConcurrency int

	// NoBackground keeps background work (job workers, origin refresh)
	// from starting: for short-lived operator commands. Not from the environment.
	NoBackground bool
}

// S3 locates an S3-compatible bucket.
type S3 struct {
	Endpoint, Region, Bucket, AccessKey, SecretKey string
	Secure                                         bool
	PublicEndpoint                                 string
	PublicSecure                                   bool
}

// Meili locates a Meilisearch server.
type Meili struct {
	URL, APIKey, SearchKey, SearchKeyUID string
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
}

// DefaultRateLimits are the request limits unless configured otherwise.
const DefaultRateLimits = "graphql=1200/1m,search=120/1m,signup=30/1m,progress=30/1m,checkin=20/10m,upload=200/1h,import=20/1h,export=60/1h,post=20/1m,post_address=60/1m"

// Vars lists every variable Load reads, for --help and the README.
var Vars = []Var{
	{"ZHDJ_ENV", "local", "local or production; selects the defaults marked (env)"},
	{"ZHDJ_HTTP_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
	{"ZHDJ_PUBLIC_URL", "http://ZHDJ_HTTP_ADDR", "where browsers reach this server (the callback URLs registered at campus identity providers)"},
	{"ZHDJ_DATABASE_URL", "", "PostgreSQL connection URL (required; or ZHDJ_DATABASE_URL_FILE)"},
	{"ZHDJ_DATABASE_REPLICA_URLS", "", "comma-separated URLs of streaming replicas of the database (same role); anonymous readers' public queries read them, everything else the primary (or _FILE)"},
	{"ZHDJ_REPLICA_MAX_LAG", "2s", "a replica further behind the primary than this (or down) is not read until it catches up"},
	{"ZHDJ_AUTO_MIGRATE", "true in local, false in production", "apply pending migrations when serve starts (env)"},
	{"ZHDJ_LOG_FORMAT", "text in local, json in production", "text or json (env)"},
	{"ZHDJ_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"ZHDJ_CORS_ORIGINS", "", "comma-separated origins allowed besides every active site's origins"},
	{"ZHDJ_ORIGIN_REFRESH", "30s", "how often site origins are re-read from the database"},
	{"ZHDJ_MAX_BODY_BYTES", "1048576", "largest accepted GraphQL JSON body; larger bodies get 413"},
	{"ZHDJ_MAX_TOKENS", "5000", "largest number of lexer tokens in one GraphQL document"},
	{"ZHDJ_MAX_DEPTH", "12", "deepest field nesting in one operation"},
	{"ZHDJ_MAX_COMPLEXITY", "5000", "largest computed query complexity (lists count by page size)"},
	{"ZHDJ_MAX_ALIASES", "40", "most aliased fields in one document"},
	{"ZHDJ_INTROSPECTION", "true in local, false in production", "allow schema introspection (env)"},
	{"ZHDJ_SUGGESTIONS", "true in local, false in production", "\"did you mean\" hints in validation errors (env)"},
	{"ZHDJ_GRAPHIQL", "true in local, false in production", "serve GraphiQL at / (env)"},
	{"ZHDJ_SHUTDOWN_TIMEOUT", "15s", "how long shutdown waits for in-flight requests"},
	{"ZHDJ_SHUTDOWN_DELAY", "off", "how long a stopping server keeps serving while /readyz answers 503 draining, so that load balancers stop sending it requests first (e.g. 5s behind one); off: it stops taking requests at once"},
	{"ZHDJ_DEMO_PASSWORD", "zhdj-demo-2026", "password of the demo accounts that seed creates (local only)"},
	{"ZHDJ_MIGRATE_DATABASE_URL", "ZHDJ_DATABASE_URL", "URL of the role that owns the schema, used for migrations (or _FILE)"},
	{"ZHDJ_BACKUP_DATABASE_URL", "", "zhdj backup and restore: URL of a role that reads and writes every row past row-level security (a superuser, or for backups a role with BYPASSRLS and pg_read_all_data) (or _FILE)"},
	{"ZHDJ_JWT_KEYS", "random per process in local; required in production", "access-token signing keys KID:BASE64[,…] (≥32 bytes; the last signs; or _FILE)"},
	{"ZHDJ_ACCESS_TTL", "15m", "lifetime of access tokens"},
	{"ZHDJ_REFRESH_TTL", "720h", "lifetime of refresh tokens (each use rotates them)"},
	{"ZHDJ_PII_KEYS", "random per process in local; required in production", "AES-256 keys VERSION:BASE64[,…] for personal identifiers (highest encrypts; or _FILE)"},
	{"ZHDJ_PII_INDEX_KEY", "random per process in local; required in production", "base64 key (≥32 bytes) for blind indexes of personal identifiers (or _FILE)"},
	{"ZHDJ_PASSWORD_MIN_LENGTH", "10", "shortest accepted password"},
	{"ZHDJ_ARGON2_MEMORY_KIB", "65536", "argon2id memory per password hash"},
	{"ZHDJ_ARGON2_ITERATIONS", "2", "argon2id passes"},
	{"ZHDJ_ARGON2_PARALLELISM", "2", "argon2id lanes"},
	{"ZHDJ_LOGIN_FAILURES_PER_IDENTIFIER", "5", "failed logins per identifier within the window before RATE_LIMITED"},
	{"ZHDJ_LOGIN_FAILURES_PER_IP", "30", "failed logins per client address within the window before RATE_LIMITED"},
	{"ZHDJ_LOGIN_FAILURE_WINDOW", "15m", "the window for the two limits above"},
	{"ZHDJ_TRUSTED_PROXIES", "", "reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For is believed; empty: the connection's peer is the client"},
	{"ZHDJ_S3_ENDPOINT", "", "host:port of the S3-compatible store for media (MinIO); empty disables media"},
	{"ZHDJ_S3_REGION", "us-east-1", "the store's region"},
	{"ZHDJ_S3_BUCKET", "zhdj-media", "bucket (created when missing)"},
	{"ZHDJ_S3_ACCESS_KEY", "", "access key (or _FILE)"},
	{"ZHDJ_S3_SECRET_KEY", "", "secret key (or _FILE)"},
	{"ZHDJ_S3_SECURE", "true", "use TLS to reach the store"},
	{"ZHDJ_S3_PUBLIC_ENDPOINT", "ZHDJ_S3_ENDPOINT", "host:port browsers reach the store at (in presigned URLs)"},
	{"ZHDJ_S3_PUBLIC_SECURE", "ZHDJ_S3_SECURE", "whether browsers reach the store over TLS"},
	{"ZHDJ_CDN_BASE_URL", "", "serve public media as BASE/<key> instead of presigned URLs"},
	{"ZHDJ_MEDIA_MAX_IMAGE_BYTES", "20971520", "largest image upload (20 MiB)"},
	{"ZHDJ_MEDIA_MAX_VIDEO_BYTES", "2147483648", "largest video upload (2 GiB)"},
	{"ZHDJ_MEDIA_MAX_DOCUMENT_BYTES", "52428800", "largest document upload (50 MiB)"},
	{"ZHDJ_MEDIA_QUOTA_BYTES", "53687091200", "default storage quota per school (50 GiB; a school's settings may override)"},
	{"ZHDJ_MEDIA_PART_BYTES", "16777216", "part size of direct multipart uploads (≥ 5 MiB)"},
	{"ZHDJ_MEDIA_ABANDON_AFTER", "24h", "unfinished direct uploads older than this are aborted"},
	{"ZHDJ_MEDIA_ORPHAN_GRACE", "1h", "stored objects without a row are deleted by the sweeper once older than this"},
	{"ZHDJ_JOB_WORKERS", "10", "background jobs worked at once"},
	{"ZHDJ_RATE_LIMITS", DefaultRateLimits, "request limits shared by all processes, name=LIMIT/WINDOW: graphql and search per client address, signup, progress, checkin, upload, import, export and post (suggestions, replies, comments) per account, post_address per client address; a rule (or the whole setting) off limits nothing; schools override them in settings.rateLimits"},
	{"ZHDJ_JOB_LEASE", "30s", "a process that has not renewed its lease for this long is taken for dead: its running jobs go to the others"},
	{"ZHDJ_CONTENT_IFRAME_HOSTS", "player.bilibili.com,v.qq.com", "hosts whose https iframes rich text may embed (comma-separated; none for no iframes)"},
	{"ZHDJ_WEBHOOK_ALLOW_PRIVATE", "true in local, false in production", "let webhooks reach loopback and private addresses (env)"},
	{"ZHDJ_VIEW_FLUSH", "5s", "how often counted content views are written"},
	{"ZHDJ_METRICS_ADDR", "", "serve Prometheus metrics at /metrics on this address, off the public port (e.g. 127.0.0.1:9464, or :9464 for a scraper on the network); empty: off"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OpenTelemetry tracing: send spans over OTLP/HTTP to this collector (e.g. http://otel-collector:4318); empty: no tracing. The SDK's own variables below apply"},
	{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "as OTEL_EXPORTER_OTLP_ENDPOINT, for traces only (a full URL, e.g. http://otel-collector:4318/v1/traces)"},
	{"OTEL_EXPORTER_OTLP_HEADERS", "", "headers for the collector, e.g. authorization=Bearer%20…"},
	{"OTEL_SERVICE_NAME", "zhdj", "the service name on every span"},
	{"OTEL_RESOURCE_ATTRIBUTES", "", "more resource attributes, e.g. deployment.environment=production,school=demo"},
	{"OTEL_TRACES_SAMPLER", "parentbased_always_on", "which requests are traced, e.g. parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG=0.1"},
	{"OTEL_TRACES_SAMPLER_ARG", "", "the sampler's argument (the ratio)"},
	{"OTEL_SDK_DISABLED", "false", "true: no tracing even with an endpoint set"},
	{"ZHDJ_PPROF_ADDR", "", "serve Go profiling (net/http/pprof) on this address, e.g. 127.0.0.1:6060; empty: off"},
	{"ZHDJ_MEILI_URL", "", "Meilisearch server URL; empty: the built-in PostgreSQL search"},
	{"ZHDJ_MEILI_API_KEY", "", "Meilisearch key that may manage indexes and documents (or _FILE)"},
	{"ZHDJ_MEILI_SEARCH_KEY", "", "Meilisearch search key that signs front ends' tenant tokens (or _FILE); empty: no searchToken"},
	{"ZHDJ_MEILI_SEARCH_KEY_UID", "", "the uid of ZHDJ_MEILI_SEARCH_KEY"},
	{"ZHDJ_SEARCH_SWEEP", "30s", "how often schools with unindexed changes are looked for (besides change notifications)"},
	{"ZHDJ_POINTS_AWARD", "2s", "how often the learning facts waiting for their points are awarded (how far points may lag behind)"},
	{"ZHDJ_OPERATIONS", "open", "which GraphQL operations run: open (any; persisted queries are kept and shared by every process) or registered (only those registered for a site with zhdj operations push)"},
	{"ZHDJ_RESPONSE_CACHE_BYTES", "67108864", "memory each process keeps for anonymous readers' answers of public queries (forgotten on every process when the school's data changes); off: none kept"},
	{"ZHDJ_COCKPIT_MAX_AGE", "5s", "how old a cockpit may be when read (each process keeps computed cockpits this long); off: computed for every reader"},
	{"ZHDJ_WARNING_SCAN", "10m", "how often every school's early-warning rules run (and open warnings escalate); off: never by itself"},
	{"ZHDJ_LIVE_MAX_CONNECTIONS", "5", "live (WebSocket) connections one account may hold open in one server process"},
	{"ZHDJ_LIVE_EVERY", "1s", "a cockpit subscription is sent again at most this often"},
	{"ZHDJ_LIVE_PING", "20s", "how often the server pings a live connection (one silent for twice that is closed)"},
	{"ZHDJ_LIVE_INIT_TIMEOUT", "10s", "how long a new live connection may take to sign in"},
	{"ZHDJ_SEARCH_RECONCILE", "1h", "how often the search index is compared with the database and repaired"},
	{"ZHDJ_SEARCH_COMPACT", "1h", "built-in search: how often each school's documents are checked for order on disk, and rewritten in search order when scattered (also right after a drain of 1,000 items or more); off: only by zhdj search compact, e.g. from cron at night"},
	{"ZHDJ_SEARCH_RETRY_MAX", "1m", "longest wait between indexing retries while the search engine is down"},
	{"ZHDJ_SEARCH_TOKEN_TTL", "15m", "lifetime of the Meilisearch tenant tokens searchToken mints"},
	{"ZHDJ_SEARCH_CONCURRENCY", "the CPUs zhdj may use", "built-in search: searches of this server process run in PostgreSQL at once, more wait their turn (set it to PostgreSQL's cores when PostgreSQL runs on other ones, shared among the server processes)"},
}

// Load reads the configuration through getenv (os.Getenv in production, a
// map lookup in tests). It returns an error naming each bad variable.
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{}

	switch env := Env(r.str("ZHDJ_ENV", string(EnvLocal))); env {
	case EnvLocal, EnvProduction:
		c.Env = env
	default:
		r.fail("ZHDJ_ENV", fmt.Errorf("must be %q or %q, got %q", EnvLocal, EnvProduction, env))
	}
	local := c.Env != EnvProduction

	c.HTTPAddr = r.str("ZHDJ_HTTP_ADDR", "127.0.0.1:8080")
	c.PublicURL = strings.TrimRight(r.str("ZHDJ_PUBLIC_URL", "http://"+c.HTTPAddr), "/")
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail("ZHDJ_PUBLIC_URL", fmt.Errorf("must be an absolute http(s) URL, got %q", c.PublicURL))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		r.fail("ZHDJ_HTTP_ADDR", fmt.Errorf("must be host:port: %w", err))
	}
	c.DatabaseURL = r.secret("ZHDJ_DATABASE_URL")
	for _, u := range strings.Split(r.secret("ZHDJ_DATABASE_REPLICA_URLS"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.ReplicaURLs = append(c.ReplicaURLs, u)
		}
	}
	c.ReplicaMaxLag = r.duration("ZHDJ_REPLICA_MAX_LAG", 2*time.Second)
	c.AutoMigrate = r.boolean("ZHDJ_AUTO_MIGRATE", local)

	c.LogFormat = r.str("ZHDJ_LOG_FORMAT", map[bool]string{true: "text", false: "json"}[local])
	if c.LogFormat != "text" && c.LogFormat != "json" {
		r.fail("ZHDJ_LOG_FORMAT", fmt.Errorf("must be text or json, got %q", c.LogFormat))
	}
	if err := c.LogLevel.UnmarshalText([]byte(r.str("ZHDJ_LOG_LEVEL", "info"))); err != nil {
		r.fail("ZHDJ_LOG_LEVEL", err)
	}

	for _, o := range strings.Split(r.str("ZHDJ_CORS_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	c.OriginRefresh = r.duration("ZHDJ_ORIGIN_REFRESH", 30*time.Second)

	c.MaxBodyBytes = int64(r.positive("ZHDJ_MAX_BODY_BYTES", 1<<20))
	c.MaxTokens = r.positive("ZHDJ_MAX_TOKENS", 5000)
	c.MaxDepth = r.positive("ZHDJ_MAX_DEPTH", 12)
	c.MaxComplexity = r.positive("ZHDJ_MAX_COMPLEXITY", 5000)
	c.MaxAliases = r.positive("ZHDJ_MAX_ALIASES", 40)
	c.Introspection = r.boolean("ZHDJ_INTROSPECTION", local)
	c.Suggestions = r.boolean("ZHDJ_SUGGESTIONS", local)
	c.GraphiQL = r.boolean("ZHDJ_GRAPHIQL", local)

	c.ShutdownTimeout = r.duration("ZHDJ_SHUTDOWN_TIMEOUT", 15*time.Second)
	c.ShutdownDelay = r.durationOrOff("ZHDJ_SHUTDOWN_DELAY", 0)
	c.DemoPassword = r.str("ZHDJ_DEMO_PASSWORD", "zhdj-demo-2026")

	c.MigrateDatabaseURL = r.secret("ZHDJ_MIGRATE_DATABASE_URL")
	c.BackupDatabaseURL = r.secret("ZHDJ_BACKUP_DATABASE_URL")
	c.JWTKeys = r.secret("ZHDJ_JWT_KEYS")
	c.AccessTTL = r.duration("ZHDJ_ACCESS_TTL", 15*time.Minute)
	c.RefreshTTL = r.duration("ZHDJ_REFRESH_TTL", 720*time.Hour)
	c.PIIKeys = r.secret("ZHDJ_PII_KEYS")
	c.PIIIndexKey = r.secret("ZHDJ_PII_INDEX_KEY")
	if !local {
		for name, v := range map[string]string{"ZHDJ_JWT_KEYS": c.JWTKeys, "ZHDJ_PII_KEYS": c.PIIKeys, "ZHDJ_PII_INDEX_KEY": c.PIIIndexKey} {
			if v == "" {
				r.fail(name, errors.New("is required in production (a random key would sign everyone out and lose encrypted data on restart)"))
			}
		}
	}
	c.PasswordMinLength = r.positive("ZHDJ_PASSWORD_MIN_LENGTH", 10)
	c.Argon2MemoryKiB = r.positive("ZHDJ_ARGON2_MEMORY_KIB", 64*1024)
	c.Argon2Iterations = r.positive("ZHDJ_ARGON2_ITERATIONS", 2)
	c.Argon2Parallelism = r.positive("ZHDJ_ARGON2_PARALLELISM", 2)
	if c.Argon2Parallelism > 255 {
		r.fail("ZHDJ_ARGON2_PARALLELISM", errors.New("must be at most 255"))
	}
	c.LoginFailuresPerIdent = r.positive("ZHDJ_LOGIN_FAILURES_PER_IDENTIFIER", 5)
	c.LoginFailuresPerIP = r.positive("ZHDJ_LOGIN_FAILURES_PER_IP", 30)
	c.LoginFailureWindow = r.duration("ZHDJ_LOGIN_FAILURE_WINDOW", 15*time.Minute)
	if strings.TrimSpace(r.getenv("ZHDJ_TRUST_PROXY_HEADERS")) != "" {
		r.fail("ZHDJ_TRUST_PROXY_HEADERS", errors.New("was replaced by ZHDJ_TRUSTED_PROXIES: list the proxies' addresses or CIDR ranges (a yes/no let any client choose its own address)"))
	}
	if v := strings.TrimSpace(r.getenv("ZHDJ_TRUSTED_PROXIES")); v != "" {
		var ranges []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				ranges = append(ranges, p)
			}
		}
		nets, err := realclientip.AddressesAndRangesToIPNets(ranges...)
		if err != nil {
			r.fail("ZHDJ_TRUSTED_PROXIES", fmt.Errorf("must be IP addresses or CIDR ranges such as 10.0.0.0/8, comma-separated: %w", err))
		}
		c.TrustedProxies = nets
	}

	c.S3.Endpoint = r.str("ZHDJ_S3_ENDPOINT", "")
	if c.S3.Endpoint != "" {
		if _, _, err := net.SplitHostPort(c.S3.Endpoint); err != nil {
			r.fail("ZHDJ_S3_ENDPOINT", fmt.Errorf("must be host:port: %w", err))
		}
	}
	c.S3.Region = r.str("ZHDJ_S3_REGION", "us-east-1")
	c.S3.Bucket = r.str("ZHDJ_S3_BUCKET", "zhdj-media")
	c.S3.AccessKey = r.secret("ZHDJ_S3_ACCESS_KEY")
	c.S3.SecretKey = r.secret("ZHDJ_S3_SECRET_KEY")
	if c.S3.Endpoint != "" && (c.S3.AccessKey == "" || c.S3.SecretKey == "") {
		r.fail("ZHDJ_S3_ACCESS_KEY", errors.New("and ZHDJ_S3_SECRET_KEY are required with ZHDJ_S3_ENDPOINT"))
	}
	c.S3.Secure = r.boolean("ZHDJ_S3_SECURE", true)
	c.S3.PublicEndpoint = r.str("ZHDJ_S3_PUBLIC_ENDPOINT", "")
	c.S3.PublicSecure = r.boolean("ZHDJ_S3_PUBLIC_SECURE", c.S3.Secure)
	c.CDNBaseURL = r.str("ZHDJ_CDN_BASE_URL", "")
	c.MaxImageBytes = int64(r.positive("ZHDJ_MEDIA_MAX_IMAGE_BYTES", 20<<20))
	c.MaxVideoBytes = int64(r.positive("ZHDJ_MEDIA_MAX_VIDEO_BYTES", 2<<30))
	c.MaxDocumentBytes = int64(r.positive("ZHDJ_MEDIA_MAX_DOCUMENT_BYTES", 50<<20))
	c.MediaQuotaBytes = int64(r.positive("ZHDJ_MEDIA_QUOTA_BYTES", 50<<30))
	c.UploadPartBytes = int64(r.positive("ZHDJ_MEDIA_PART_BYTES", 16<<20))
	if c.UploadPartBytes < 5<<20 {
		r.fail("ZHDJ_MEDIA_PART_BYTES", errors.New("must be at least 5 MiB (5242880), the S3 minimum"))
	}
	c.AbandonUploads = r.duration("ZHDJ_MEDIA_ABANDON_AFTER", 24*time.Hour)
	c.OrphanGrace = r.duration("ZHDJ_MEDIA_ORPHAN_GRACE", time.Hour)
	c.JobWorkers = r.positive("ZHDJ_JOB_WORKERS", 10)
	c.JobLease = r.duration("ZHDJ_JOB_LEASE", 30*time.Second)
	c.RateLimits, _ = ratelimit.ParseRules(DefaultRateLimits)
	switch v := strings.TrimSpace(r.getenv("ZHDJ_RATE_LIMITS")); v {
	case "":
	case "off":
		c.RateLimits = map[string]ratelimit.Rule{}
	default:
		rules, err := ratelimit.ParseRules(v)
		if err != nil {
			r.fail("ZHDJ_RATE_LIMITS", err)
		}
		for name, rule := range rules {
			c.RateLimits[name] = rule
		}
	}
	if v := r.str("ZHDJ_CONTENT_IFRAME_HOSTS", "player.bilibili.com,v.qq.com"); v != "none" {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.IframeHosts = append(c.IframeHosts, h)
			}
		}
	}
	for _, h := range c.IframeHosts {
		if strings.ContainsAny(h, "/:@ ") {
			r.fail("ZHDJ_CONTENT_IFRAME_HOSTS", fmt.Errorf("%q is not a host name", h))
		}
	}
	c.WebhookAllowPrivate = r.boolean("ZHDJ_WEBHOOK_ALLOW_PRIVATE", local)
	c.ViewFlush = r.duration("ZHDJ_VIEW_FLUSH", 5*time.Second)
	c.MetricsAddr = r.str("ZHDJ_METRICS_ADDR", "")
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			r.fail("ZHDJ_METRICS_ADDR", fmt.Errorf("must be host:port: %w", err))
		} else if c.MetricsAddr == c.HTTPAddr {
			r.fail("ZHDJ_METRICS_ADDR", fmt.Errorf("must not be ZHDJ_HTTP_ADDR: metrics stay off the public port"))
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v := r.str(name, ""); v != "" {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				r.fail(name, fmt.Errorf("must be an http:// or https:// URL of an OTLP/HTTP collector"))
			}
			c.Tracing = true
		}
	}
	if r.boolean("OTEL_SDK_DISABLED", false) {
		c.Tracing = false
	}
	c.PprofAddr = r.str("ZHDJ_PPROF_ADDR", "")
	if c.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			r.fail("ZHDJ_PPROF_ADDR", fmt.Errorf("must be host:port: %w", err))
		}
	}

	c.Meili.URL = r.str("ZHDJ_MEILI_URL", "")
	if c.Meili.URL != "" && !strings.HasPrefix(c.Meili.URL, "http://") && !strings.HasPrefix(c.Meili.URL, "https://") {
		r.fail("ZHDJ_MEILI_URL", fmt.Errorf("must be an http:// or https:// URL, got %q", c.Meili.URL))
	}
	c.Meili.APIKey = r.secret("ZHDJ_MEILI_API_KEY")
	c.Meili.SearchKey = r.secret("ZHDJ_MEILI_SEARCH_KEY")
	c.Meili.SearchKeyUID = r.str("ZHDJ_MEILI_SEARCH_KEY_UID", "")
	if (c.Meili.SearchKey == "") != (c.Meili.SearchKeyUID == "") {
		r.fail("ZHDJ_MEILI_SEARCH_KEY_UID", errors.New("and ZHDJ_MEILI_SEARCH_KEY go together"))
	}
	c.SearchSweep = r.duration("ZHDJ_SEARCH_SWEEP", 30*time.Second)
	c.PointsAward = r.duration("ZHDJ_POINTS_AWARD", 2*time.Second)
	c.CockpitMaxAge = r.durationOrOff("ZHDJ_COCKPIT_MAX_AGE", 5*time.Second)
	c.Operations = r.str("ZHDJ_OPERATIONS", "open")
	if c.Operations != "open" && c.Operations != "registered" {
		r.fail("ZHDJ_OPERATIONS", fmt.Errorf("must be open or registered, got %q", c.Operations))
	}
	c.ResponseCacheBytes = int64(r.positiveOrOff("ZHDJ_RESPONSE_CACHE_BYTES", 64<<20))
	c.WarningScan = r.durationOrOff("ZHDJ_WARNING_SCAN", 10*time.Minute)
	c.Live.MaxConnections = r.positive("ZHDJ_LIVE_MAX_CONNECTIONS", 5)
	c.Live.Every = r.duration("ZHDJ_LIVE_EVERY", time.Second)
	c.Live.Ping = r.duration("ZHDJ_LIVE_PING", 20*time.Second)
	c.Live.InitTimeout = r.duration("ZHDJ_LIVE_INIT_TIMEOUT", 10*time.Second)
	c.SearchReconcile = r.duration("ZHDJ_SEARCH_RECONCILE", time.Hour)
	c.SearchCompact = r.durationOrOff("ZHDJ_SEARCH_COMPACT", time.Hour)
	c.SearchRetryMax = r.duration("ZHDJ_SEARCH_RETRY_MAX", time.Minute)
	c.SearchConcurrency = r.positive("ZHDJ_SEARCH_CONCURRENCY", runtime.GOMAXPROCS(0))
	c.SearchTokenTTL = r.duration("ZHDJ_SEARCH_TOKEN_TTL", 15*time.Minute)

	return c, r.err()
}

// RequireDatabase returns an error unless a database URL is configured.
func (c Config) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("config: ZHDJ_DATABASE_URL (or ZHDJ_DATABASE_URL_FILE) is required")
	}
	return nil
}

// MigrationURL is the URL migrations run with: the owning role's
// (ZHDJ_MIGRATE_DATABASE_URL), or ZHDJ_DATABASE_URL when that is unset.
func (c Config) MigrationURL() string {
	if c.MigrateDatabaseURL != "" {
		return c.MigrateDatabaseURL
	}
	return c.DatabaseURL
}

type reader struct {
	getenv func(string) string
	errs   []error
}

// Live configures subscriptions over WebSocket.
type Live struct {
	// MaxConnections bounds the live connections one account holds open
	// in one server process.
	MaxConnections int
	// Every bounds how often a cockpit subscription is sent again.
	Every time.Duration
	// Ping is how often the server pings a connection; one that does not
	// answer within twice that is closed.
	Ping time.Duration
	// InitTimeout is how long a new connection may take to sign in.
	InitTimeout time.Duration
}

func (r *reader) fail(name string, err error) {
	r.errs = append(r.errs, fmt.Errorf("config: %s: %w", name, err))
}

func (r *reader) err() error { return errors.Join(r.errs...) }

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

// secret reads name, or the file named by name_FILE when name is unset.
func (r *reader) secret(name string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	path := strings.TrimSpace(r.getenv(name + "_FILE"))
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.fail(name+"_FILE", err)
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.getenv(name)
	if strings.TrimSpace(v) == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.fail(name, fmt.Errorf("must be true or false, got %q", v))
		return def
	}
	return b
}

// durationOrOff is a positive duration, or 0 for "off".
func (r *reader) durationOrOff(name string, def time.Duration) time.Duration {
	switch v := strings.TrimSpace(r.getenv(name)); v {
	case "off":
		return 0
	case "":
		return def
	default:
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			r.fail(name, fmt.Errorf("must be a positive duration such as 1h, or off; got %q", v))
			return def
		}
		return d
	}
}

func (r *reader) positive(name string, def int) int {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		r.fail(name, fmt.Errorf("must be a positive whole number, got %q", v))
		return def
	}
	return n
}

func (r *reader) positiveOrOff(name string, def int) int {
	if strings.TrimSpace(r.getenv(name)) == "off" {
		return 0
	}
	return r.positive(name, def)
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, fmt.Errorf("must be a positive duration such as 30s, got %q", v))
		return def
	}
	return d
}
