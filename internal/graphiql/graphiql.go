// Package graphiql serves the GraphiQL IDE from files embedded in the
// binary: no script, style or font comes from a CDN, so it works on a
// campus network without internet and where public CDNs are slow.
//
// The files are the pinned npm releases written by fetch-assets.sh (run
// by `make graphiql-assets`), kept gzip-compressed; SHA256SUMS holds the
// digests of their contents, which the tests check.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Version is the GraphiQL release embedded; it is part of the asset URLs,
// so that they can be cached for good.
const Version = "3.8.3"

// Prefix is where the assets are served.
const Prefix = "/graphiql/" + Version + "/"

// defaultQuery is what a new GraphiQL tab opens with.
const defaultQuery = `# zhdj GraphQL。运行：Ctrl-Enter。登录后在 Headers 中加上
# {"Authorization": "Bearer <accessToken>"}（订阅 subscription 也用它）。
{
  site(slug: "xxgc") {
    name
    navigation { label children { label } }
    orgUnit { name children { name } }
  }
  contents(site: "xxgc", first: 5) {
    edges { node { title publishedAt } }
  }
}
`

//go:embed assets
var assets embed.FS

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Prefix}}graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">正在加载 GraphiQL…</div>
<script src="{{.Prefix}}react.production.min.js"></script>
<script src="{{.Prefix}}react-dom.production.min.js"></script>
<script src="{{.Prefix}}graphiql.min.js"></script>
<script src="{{.Prefix}}graphql-ws.min.js"></script>
<script src="{{.Prefix}}init.js"></script>
</body>
</html>
`))

// Handler serves the page at the path it is mounted on and the assets
// under Prefix; the page's GraphiQL talks to endpoint. The page may load
// nothing but its own origin's files (Content-Security-Policy).
func Handler(title, endpoint string) http.Handler {
	var html bytes.Buffer
	if err := page.Execute(&html, map[string]string{"Title": title, "Prefix": Prefix}); err != nil {
		panic(err)
	}
	ep, _ := json.Marshal(endpoint)
	query, _ := json.Marshal(defaultQuery)
	// Subscriptions go over a WebSocket to the same endpoint, signed in
	// with the Authorization of GraphiQL's Headers tab; the socket closes
	// when the last subscription ends, so the next one takes the headers
	// as they are then.
	init := []byte(fmt.Sprintf(`var endpoint = new URL(%s, location.href);
var wsURL = (endpoint.protocol === "https:" ? "wss:" : "ws:") + "//" + endpoint.host + endpoint.pathname;
function authorization() {
  try {
    var h = JSON.parse(localStorage.getItem("graphiql:headers") || "{}");
    var a = h.Authorization || h.authorization;
    return a ? { authorization: a } : {};
  } catch (e) { return {}; }
}
var wsClient = graphqlWs.createClient({ url: wsURL, lazy: true, lazyCloseTimeout: 0, retryAttempts: 0, connectionParams: authorization });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, { fetcher: GraphiQL.createFetcher({ url: endpoint.href, wsClient: wsClient }), defaultQuery: %s, defaultEditorToolsVisibility: true }));
`, ep, query))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		name, isAsset := strings.CutPrefix(r.URL.Path, Prefix)
		switch {
		case !isAsset:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(html.Bytes())
		case name == "init.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(init)
		default:
			serveAsset(w, r, name)
		}
	})
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	var ctype string
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	}
	body, err := assets.ReadFile("assets/" + name + ".gz")
	if ctype == "" || strings.Contains(name, "/") || err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(body)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		http.Error(w, "broken asset", http.StatusInternalServerError)
		return
	}
	_, _ = io.Copy(w, zr)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// Files lists the embedded assets (for tests).
func Files() fs.FS {
	sub, _ := fs.Sub(assets, "assets")
	return sub
}
