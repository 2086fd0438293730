package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"zhdj/internal/member"

	"github.com/chromedp/chromedp/kb"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"zhdj/internal/console"
	"zhdj/internal/seed"
)

// screenshots is where the browser tests write what they saw (git-ignored).
var screenshots = filepath.Join("..", "..", ".data", "screenshots")

// chromium starts Debian's Chromium, headless, for one test. Without it the
// test is skipped, unless ZHDJ_REQUIRE_BROWSER is set (make test sets it,
// after make deps installed the package): no test downloads a browser.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("ZHDJ_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed (make deps installs Debian's package)")
		}
		t.Skip("chromium is not installed: skipping the browser test (make deps installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs browser actions, failing the test with what was being done and
// a screenshot of the page at that moment.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		failed(t, ctx, what, err)
	}
}

// failed ends the test with what the page said (its messages and alerts)
// and a screenshot.
func failed(t *testing.T, ctx context.Context, what string, err error) {
	t.Helper()
	shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
	look, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	said, _ := chromedp.Run(look, chromedp.Evaluate[string](`location.href + ' ' + Array.from(document.querySelectorAll('.el-message, [role=alert]')).map(e => e.textContent).join(' | ') + ' ' + (document.querySelector('#c-slug')?.disabled) + ' ' + (document.querySelector('.el-loading-mask')?.outerHTML ?? 'no-mask')`))
	t.Fatalf("%s: %v (the page said: %q)", what, err, said)
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// After the dialogs' and drawers' transitions (a screenshot mid-fade
	// shows a translucent page); a page that keeps animating is taken as is.
	settle, stop := context.WithTimeout(step, 3*time.Second)
	_, _ = chromedp.Run(settle, chromedp.Poll[bool](`document.getAnimations().every(a => a.playState !== 'running')`, chromedp.WithPollingInterval(50*time.Millisecond)))
	stop()
	png, err := chromedp.Run(step, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(screenshots, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(screenshots, name+".png"), png, 0o644)
	}
}

// unlabelled lists the form fields of the page that have no accessible
// name (a <label for>, aria-label or aria-labelledby).
const unlabelled = `Array.from(document.querySelectorAll('input:not([type=hidden]), textarea, select, [role=textbox]'))
  .filter(e => e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML.slice(0, 120))`

func labelled(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	bad := browserValue(t, ctx, "check labels on "+page, chromedp.Evaluate[[]string](unlabelled))
	if len(bad) > 0 {
		t.Errorf("%s: form fields without a label: %v", page, bad)
	}
}

func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	do(t, ctx, "open the console", chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS(`#login-identifier`)))
	// The console remembers the school code of the last sign-in.
	switch school := browserValue(t, ctx, "read the school field", chromedp.Evaluate[string](`document.querySelector('#login-school').value`)); school {
	case "":
		do(t, ctx, "type the school code", chromedp.SendKeys(chromedp.CSS(`#login-school`), "demo"))
	case "demo":
	default:
		t.Fatalf("the school field holds %q", school)
	}
	do(t, ctx, "sign in as "+user,
		chromedp.SendKeys(chromedp.CSS(`#login-identifier`), user),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), demoPassword),
		press(`[data-test=login-submit]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=whoami]`)))
}

func signOut(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx, "sign out", chromedp.Navigate(base+"/admin/"), press(`[data-test=sign-out]`), chromedp.WaitVisible(chromedp.CSS(`#login-identifier`)))
}

// writeArticle fills the console's new-article form (with a cover, which
// publishing needs) and submits it for review.
func writeArticle(t *testing.T, ctx context.Context, slug, title, cover string, subtree bool) {
	t.Helper()
	do(t, ctx, "open a new article",
		press(`[data-test=new-article]`),
		chromedp.WaitVisible(chromedp.CSS(`#c-slug`)),
		chromedp.SendKeys(chromedp.CSS(`#c-slug`), slug),
		chromedp.SendKeys(chromedp.CSS(`#c-title`), title),
		chromedp.SendKeys(chromedp.CSS(`#c-summary`), "浏览器测试写的摘要"),
		chromedp.SetUploadFiles(chromedp.CSS(`#c-cover`), []string{cover}),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=cover-preview]`)),
		press(`[data-test=c-body]`),
		chromedp.SendKeys(chromedp.CSS(`[data-test=c-body]`), "学习贯彻党的二十大精神，写在控制台里。"))
	if subtree {
		do(t, ctx, "show it on the sites below", press(`[data-test=c-subtree]`))
	}
	labelled(t, ctx, "the content form")
	// Saved once, then changed and submitted: two revisions.
	do(t, ctx, "save "+slug,
		press(`[data-test=c-save]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=content-status]`)),
		chromedp.SendKeys(chromedp.CSS(`#c-summary`), "，改过一次"))
	do(t, ctx, "submit "+slug,
		press(`[data-test=c-submit]`),
		waitText(`[data-test=content-status]`, "待审核"))
	// The first version against the newest: the summary's change. (Element
	// Plus renders each column's cells once more, with an empty row, in a
	// hidden element before the table: the rows' buttons are the body's.)
	do(t, ctx, "compare the revisions of "+slug,
		press(`.el-table__body [data-test=rev-diff]`),
		waitText(`[data-test=rev-diff-text]`, "改过一次"))
}

// openContent opens slug (titled title, in status) from the workspace,
// filtered by its slug, and waits for sel on its page.
func openContent(t *testing.T, ctx context.Context, base, slug, title, status, sel string) {
	t.Helper()
	do(t, ctx, "open "+slug+" from the workspace",
		chromedp.Navigate(base+"/admin/content"),
		chromedp.WaitVisible(chromedp.CSS(`#ws-query`)),
		chromedp.SendKeys(chromedp.CSS(`#ws-query`), slug),
		onlyRow(title, status),
		press(`[data-test=ws-table] tbody tr td`),
		chromedp.WaitVisible(chromedp.CSS(sel)))
}

// approve opens slug (titled title) from the review queue and approves it.
func approve(t *testing.T, ctx context.Context, base, slug, title string) {
	t.Helper()
	openContent(t, ctx, base, slug, title, "待审核", `[data-test=c-approve]`)
	do(t, ctx, "approve "+slug,
		press(`[data-test=c-approve]`),
		waitText(`[data-test=content-status]`, "已发布"))
}

// onlyRow waits until the workspace shows one row, holding every text of want.
func onlyRow(want ...string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const rows = document.querySelectorAll('[data-test=ws-table] tbody tr'); return rows.length === 1 && %s.every(w => rows[0].textContent.includes(w)) })()`, jsStrings(want))
	return void(chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second)))
}

func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// browserValue runs one action that gives a value, failing the test as do does.
func browserValue[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(step, a)
	if err != nil {
		failed(t, ctx, what, err)
	}
	return v
}

// press scrolls the element sel into view and clicks it, once it is
// visible (a click at coordinates misses an element below the fold or one
// that a loading image has just moved).
func press(sel string) chromedp.Action[chromedp.Void] {
	wait := chromedp.WaitVisible(chromedp.CSS(sel))
	click := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: 'center'}); e.click(); return true })()`, sel))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := wait(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		_, err := click(ctx, t)
		return chromedp.Void{}, err
	}
}

// void is a as a step of do (its value dropped).
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// focusIn checks that the keyboard focus is inside the dialog matching sel.
func focusIn(t *testing.T, ctx context.Context, sel, what string) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	js := fmt.Sprintf(`!!document.activeElement && !!document.activeElement.closest(%q)`, sel)
	if _, err := chromedp.Run(step, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("%s opened without the keyboard focus in it: %v", what, err)
	}
}

// onlyActivities waits until the volunteer page lists exactly these titles.
func onlyActivities(titles ...string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const got = Array.from(document.querySelectorAll('[data-test=activity] strong')).map(e => e.textContent); const want = %s; return got.length === want.length && want.every(w => got.includes(w)) })()`, jsStrings(titles))
	return void(chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second)))
}

// throttle limits the browser's uploads to bytesPerSecond (-1: no limit),
// so that an upload lasts long enough to be paused.
func throttle(t *testing.T, ctx context.Context, bytesPerSecond float64) {
	t.Helper()
	do(t, ctx, "throttle uploads", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: bytesPerSecond}}})
		return chromedp.Void{}, err
	})
}

// uploaded is the video upload's progress bar, in percent.
const uploaded = `Number(document.querySelector('[data-test=video-progress]')?.getAttribute('aria-valuenow') ?? -1)`

// waitText waits until the text of an element sel matches holds want
// (toasts stack: the one waited for need not be the first).
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).some(e => e.textContent.includes(%q))`, sel, want)
	poll := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := poll(ctx, t); err != nil {
			return chromedp.Void{}, fmt.Errorf("%s never showed %q: %w", sel, want, err)
		}
		return chromedp.Void{}, nil
	}
}

// TestConsoleAndSitesInABrowser drives the admin console and the demo
// college front ends in a real Chromium against the real server,
// PostgreSQL and MinIO: an editor writes and submits, a reviewer approves,
// the item shows on its college's site; the school's article shows on
// both sites, each in its own theme; a secretary reveals a member's ID,
// and the audit log has it.
func TestConsoleAndSitesInABrowser(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	ctx := chromium(t)
	admin, _ := b.login(t, "admin", demoPassword)
	// make run's volunteer activities (the front end's volunteer page) and
	// suggestions (one waits for review: it matched the word list).
	if _, err := seed.DemoVolunteer(context.Background(), b.demo.School, b.app.Org, b.app.Volunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.DemoInteraction(context.Background(), b.demo.School, seed.InteractionServices{Accounts: b.app.Accounts, Org: b.app.Org, Talk: b.app.Talk, Moderation: b.app.Moderation}); err != nil {
		t.Fatal(err)
	}

	// The two demo front ends, each on an origin of its own that its site
	// lists, calling the API across origins as a college's would.
	sites := map[string]*httptest.Server{}
	for _, slug := range []string{"xxgc", "znzz"} {
		srv := httptest.NewServer(console.Site(b.server.URL + "/graphql"))
		t.Cleanup(srv.Close)
		sites[slug] = srv
		id := decode[struct{ Site struct{ ID string } }](t, b.post(t, `query($s: String!) { site(slug: $s) { id } }`, map[string]any{"s": slug})).Site.ID
		if r := b.post(t, `mutation($in: UpdateSiteInput!) { updateSite(input: $in) { site { origins } } }`,
			map[string]any{"in": map[string]any{"id": id, "origins": []string{srv.URL}}}, bearer(admin)...); len(r.Errors) != 0 {
			t.Fatal(r.Errors)
		}
		eventually(t, "CORS allows "+srv.URL, func() bool {
			req, _ := http.NewRequest(http.MethodGet, b.server.URL+"/graphql?query=%7B__typename%7D", nil)
			req.Header.Set("Origin", srv.URL)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.Header.Get("Access-Control-Allow-Origin") == srv.URL
		})
	}
	cover := filepath.Join(t.TempDir(), "封面.png")
	if err := os.WriteFile(cover, pngBytes(t, 640, 360), 0o644); err != nil {
		t.Fatal(err)
	}

	// Sign-in: a wrong password is shown on the page, in Chinese.
	do(t, ctx, "open the console", chromedp.Navigate(b.server.URL+"/admin/"), chromedp.WaitVisible(chromedp.CSS(`#login-identifier`)))
	labelled(t, ctx, "the sign-in page")
	do(t, ctx, "sign in with a wrong password",
		chromedp.SendKeys(chromedp.CSS(`#login-school`), "demo"),
		chromedp.SendKeys(chromedp.CSS(`#login-identifier`), "editor"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), "wrong-password"),
		press(`[data-test=login-submit]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=login-error]`)))
	shot(t, ctx, "console-sign-in-error")

	// An editor of 信息工程学院 writes and submits; its reviewer approves.
	signIn(t, ctx, b.server.URL, "editor")
	shot(t, ctx, "console-workspace")
	writeArticle(t, ctx, "browser-xxgc", "控制台发布的学院文章", cover, false)
	shot(t, ctx, "console-article-submitted")

	// A micro-lesson: the video goes in parts straight to storage, slowed
	// down here so that it can be paused; after a reload, choosing the same
	// file resumes from the parts storage already has.
	video := filepath.Join(t.TempDir(), "微党课第一讲.mp4")
	if err := os.WriteFile(video, lessonVideo(t, 12<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	lessonForm := func() {
		do(t, ctx, "open a new micro-lesson",
			chromedp.Navigate(b.server.URL+"/admin/content"),
			press(`[data-test=new-lesson]`),
			chromedp.WaitVisible(chromedp.CSS(`#c-slug`)),
			chromedp.SendKeys(chromedp.CSS(`#c-slug`), "browser-lesson"),
			chromedp.SendKeys(chromedp.CSS(`#c-title`), "控制台上传的微党课"),
			chromedp.SendKeys(chromedp.CSS(`#c-speaker`), "王老师"),
			chromedp.SetUploadFiles(chromedp.CSS(`#c-cover`), []string{cover}),
			chromedp.WaitVisible(chromedp.CSS(`[data-test=cover-preview]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#c-video`), []string{video}))
	}
	throttle(t, ctx, 3<<20)
	lessonForm()
	do(t, ctx, "pause after the first part",
		void(chromedp.Poll[bool](uploaded+` >= 45`, chromedp.WithPollingTimeout(30*time.Second))),
		press(`[data-test=video-pause]`),
		waitText(`[data-test=video-state]`, "已暂停"))
	paused := browserValue(t, ctx, "read the paused progress", chromedp.Evaluate[float64](uploaded))
	time.Sleep(time.Second)
	if still := browserValue(t, ctx, "read the progress again", chromedp.Evaluate[float64](uploaded)); still != paused || paused >= 100 {
		t.Fatalf("paused at %v%%, a second later %v%%", paused, still)
	}
	shot(t, ctx, "console-video-paused")
	lessonForm()
	do(t, ctx, "resume after the reload", waitText(`[data-test=video-state]`, "接着上次的进度"),
		void(chromedp.Poll[bool](uploaded+` > 0`, chromedp.WithPollingTimeout(30*time.Second))))
	// The first progress after the reload counts the part storage has.
	if resumed := browserValue(t, ctx, "read the resumed progress", chromedp.Evaluate[float64](uploaded)); resumed < 41 {
		t.Fatalf("after the reload the upload restarted at %v%%, not from the first part (41%%)", resumed)
	}
	throttle(t, ctx, -1)
	do(t, ctx, "finish the upload", waitText(`[data-test=video-processing]`, "视频已就绪"))
	labelled(t, ctx, "the micro-lesson form")
	do(t, ctx, "submit the micro-lesson", press(`[data-test=c-submit]`), waitText(`[data-test=content-status]`, "待审核"))
	shot(t, ctx, "console-lesson-submitted")
	do(t, ctx, "find the video in the media library",
		chromedp.Navigate(b.server.URL+"/admin/media"),
		waitText(`[data-test=media-grid]`, "微党课第一讲.mp4"),
		waitText(`[data-test=media-grid]`, "视频已就绪"))
	labelled(t, ctx, "the media library")
	shot(t, ctx, "console-media")

	// A comic of two panels, chosen at once, the second moved first; each
	// with its caption and the alt text a screen reader says.
	panels := []string{filepath.Join(t.TempDir(), "第一格.png"), filepath.Join(t.TempDir(), "第二格.png")}
	for i, p := range panels {
		if err := os.WriteFile(p, pngBytes(t, 400+100*i, 300), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	panelText := `Array.from(document.querySelectorAll('[data-test=panel]')).map(p => p.querySelector('input[data-test=panel-alt]').value).join('|')`
	do(t, ctx, "open a new comic",
		chromedp.Navigate(b.server.URL+"/admin/content"),
		press(`[data-test=new-comic]`),
		chromedp.WaitVisible(chromedp.CSS(`#c-slug`)),
		chromedp.SendKeys(chromedp.CSS(`#c-slug`), "browser-comic"),
		chromedp.SendKeys(chromedp.CSS(`#c-title`), "控制台制作的主题漫画"),
		chromedp.SendKeys(chromedp.CSS(`#c-series`), "红色故事"),
		chromedp.SetUploadFiles(chromedp.CSS(`#c-cover`), []string{cover}),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=cover-preview]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#c-panels`), panels),
		void(chromedp.Poll[bool](`document.querySelectorAll('[data-test=panel] img').length === 2`, chromedp.WithPollingTimeout(30*time.Second))))
	do(t, ctx, "describe the panels and put the second first",
		void(chromedp.Evaluate[bool](`(() => { document.querySelectorAll('[data-test=panel]').forEach((p, i) => {
			for (const [sel, v] of [['input[data-test=panel-caption]', '第' + (i + 1) + '格说明'], ['input[data-test=panel-alt]', '画面' + (i + 1)]]) {
				const e = p.querySelector(sel); e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})) } }); return true })()`)),
		void(chromedp.Evaluate[bool](`(() => { document.querySelectorAll('[data-test=panel]')[1].querySelector('[data-test=panel-up]').click(); return true })()`)),
		void(chromedp.Poll[bool](panelText+` === '画面2|画面1'`, chromedp.WithPollingTimeout(10*time.Second))))
	labelled(t, ctx, "the comic form")
	do(t, ctx, "submit the comic", press(`[data-test=c-submit]`), waitText(`[data-test=content-status]`, "待审核"))
	shot(t, ctx, "console-comic")
	signOut(t, ctx, b.server.URL)
	signIn(t, ctx, b.server.URL, "reviewer")
	do(t, ctx, "open the send-back dialog",
		chromedp.Navigate(b.server.URL+"/admin/content"),
		chromedp.WaitVisible(chromedp.CSS(`#ws-query`)),
		chromedp.SendKeys(chromedp.CSS(`#ws-query`), "browser-xxgc"),
		onlyRow("控制台发布的学院文章", "待审核"),
		press(`[data-test=ws-table] tbody tr td`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=c-send-back]`)),
		press(`[data-test=c-send-back]`),
		chromedp.WaitVisible(chromedp.CSS(`#c-back`)))
	focusIn(t, ctx, ".el-dialog", "the send-back dialog")
	labelled(t, ctx, "the send-back dialog")
	do(t, ctx, "close the dialog with Escape", chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(chromedp.CSS(`#c-back`)))
	approve(t, ctx, b.server.URL, "browser-xxgc", "控制台发布的学院文章")
	approve(t, ctx, b.server.URL, "browser-lesson", "控制台上传的微党课")
	do(t, ctx, "play the micro-lesson on xxgc",
		chromedp.Navigate(sites["xxgc"].URL+"/#/c/browser-lesson"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=article] video`)))
	if src := browserValue(t, ctx, "read the video's address", chromedp.Evaluate[string](`document.querySelector('[data-test=article] video').src`)); !strings.HasPrefix(src, "http") {
		t.Fatalf("video src: %q", src)
	}
	// A member signs in on the lesson's page: the viewing is recorded.
	do(t, ctx, "sign in to record the learning",
		press(`[data-test=learn-sign-in]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=site-identifier]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-identifier]`), "member"),
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-password]`), demoPassword),
		press(`[data-test=site-login-submit]`),
		waitText(`[data-test=learn-progress]`, "学习进度"))
	shot(t, ctx, "site-xxgc-lesson")
	learner, _ := b.login(t, "member", demoPassword)
	if r := b.post(t, `{ myLearning { edges { node { mode content { title } } } } }`, nil, bearer(learner)...); !strings.Contains(string(r.Data), "控制台上传的微党课") {
		t.Errorf("李明's learning after opening the lesson: %s %+v", r.Data, r.Errors)
	}
	do(t, ctx, "sign out of the site", void(chromedp.Evaluate[bool](`(() => { sessionStorage.removeItem('zhdj.site.session'); return true })()`)))
	approve(t, ctx, b.server.URL, "browser-comic", "控制台制作的主题漫画")
	do(t, ctx, "read the comic on xxgc",
		chromedp.Navigate(sites["xxgc"].URL+"/#/c/browser-comic"),
		void(chromedp.Poll[bool](`document.querySelectorAll('[data-test=article] figure img').length === 2`, chromedp.WithPollingTimeout(30*time.Second))))
	if got := browserValue(t, ctx, "read the comic's panels", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('[data-test=article] figure')).map(f => f.querySelector('img').alt + ':' + f.textContent.trim()).join(' ')`)); got != "画面2:第2格说明 画面1:第1格说明" {
		t.Errorf("the comic's panels on the site: %q", got)
	}
	shot(t, ctx, "site-xxgc-comic")

	// The school's organisation department publishes once for every site.
	signOut(t, ctx, b.server.URL)
	signIn(t, ctx, b.server.URL, "admin")
	writeArticle(t, ctx, "browser-school", "全校发布的通知", cover, true)
	approve(t, ctx, b.server.URL, "browser-school", "全校发布的通知")

	colours := map[string]string{}
	for slug, srv := range sites {
		do(t, ctx, "open the "+slug+" site", chromedp.Navigate(srv.URL+"/"), waitText(`[data-test=latest]`, "全校发布的通知"))
		latest := browserValue(t, ctx, "read the "+slug+" site", chromedp.Text(chromedp.CSS(`[data-test=latest]`)))
		colour := browserValue(t, ctx, "read the "+slug+" site's colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('[data-test=site-header]')).backgroundColor`))
		if got := strings.Contains(latest, "控制台发布的学院文章"); got != (slug == "xxgc") {
			t.Errorf("%s shows the college's article: %v (only xxgc should): %q", slug, got, latest)
		}
		colours[slug] = colour
		shot(t, ctx, "site-"+slug)
		do(t, ctx, "open the school's article on "+slug,
			chromedp.Navigate(srv.URL+"/#/c/browser-school"),
			waitText(`[data-test=article]`, "写在控制台里"))
	}
	// Search on xxgc: what the console published there, counted by type;
	// the micro-lesson's type narrows it to the lesson.
	do(t, ctx, "search xxgc",
		chromedp.Navigate(sites["xxgc"].URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=site-search]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-search]`), "控制台\r"),
		waitText(`[data-test=search]`, "控制台制作的主题漫画"),
		waitText(`[data-test=search]`, "控制台发布的学院文章"),
		waitText(`[data-test=facet-TYPE]`, "微党课（1）"))
	if marked := browserValue(t, ctx, "read the highlights", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('[data-test=hit] mark')).map(m => m.textContent).join(',')`)); !strings.Contains(marked, "控制台") {
		t.Errorf("the matched words are not marked: %q", marked)
	}
	labelled(t, ctx, "the search page")
	do(t, ctx, "narrow to micro-lessons",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=facet-TYPE] button')).find(b => b.textContent.startsWith('微党课')).click(); return true })()`)),
		void(chromedp.Poll[bool](`(() => { const h = Array.from(document.querySelectorAll('[data-test=hit]')).map(e => e.textContent); return h.length === 1 && h[0].includes('控制台上传的微党课') })()`, chromedp.WithPollingTimeout(30*time.Second))))
	shot(t, ctx, "site-xxgc-search")

	// The configured primaries: xxgc #b71c1c, znzz #c62828.
	if colours["xxgc"] != "rgb(183, 28, 28)" || colours["znzz"] != "rgb(198, 40, 40)" {
		t.Errorf("site header colours: %v", colours)
	}

	// The admin changes 智能制造学院's primary colour in the console: the
	// preview follows as it is typed, and the site shows it once saved.
	do(t, ctx, "open znzz's settings",
		chromedp.Navigate(b.server.URL+"/admin/sites"),
		press(`[data-test=site-znzz]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=s-preview]`)))
	labelled(t, ctx, "the site settings")
	if got := browserValue(t, ctx, "type a colour", chromedp.Evaluate[string](`(() => {
		const i = document.querySelector('#s-color-primary'); i.value = '#0d47a1'; i.dispatchEvent(new Event('input', {bubbles: true}));
		return new Promise(r => requestAnimationFrame(() => r(getComputedStyle(document.querySelector('[data-test=s-preview] .p-head')).backgroundColor)))
	})()`, chromedp.EvalAwaitPromise)); got != "rgb(13, 71, 161)" {
		t.Errorf("the preview's header after typing #0d47a1: %s", got)
	}
	// A menu item of its own: an external link, refused by its field while
	// the address is not http(s), then saved; and the featured block first.
	lastItem := `Array.from(document.querySelectorAll('[data-test=nav-level-1] > [data-test=nav-item]')).pop()`
	do(t, ctx, "add a menu item",
		press(`[data-test=nav-add-1]`),
		void(chromedp.Evaluate[bool](`(() => { `+lastItem+`.querySelector('[data-test=nav-kind] .el-select__wrapper').click(); return true })()`)),
		void(chromedp.Poll[bool](`(() => { const o = Array.from(document.querySelectorAll('.el-select-dropdown__item')).find(e => e.textContent.trim() === '外部链接' && e.offsetParent); if (!o) return false; o.click(); return true })()`,
			chromedp.WithPollingTimeout(10*time.Second))),
		void(chromedp.Poll[bool](`!!`+lastItem+`.querySelector('input[data-test=nav-url], [data-test=nav-url] input')`, chromedp.WithPollingTimeout(10*time.Second))))
	do(t, ctx, "name it and give a script for its address",
		void(chromedp.Evaluate[bool](`(() => { const it = `+lastItem+`;
			for (const [sel, v] of [['input[data-test=nav-label], [data-test=nav-label] input', '校友会'], ['input[data-test=nav-url], [data-test=nav-url] input', 'javascript:alert(1)']]) {
				const i = it.querySelector(sel); i.value = v; i.dispatchEvent(new Event('input', {bubbles: true})) }
			return true })()`)),
		press(`[data-test=s-save]`))
	refused := browserValue(t, ctx, "the address refused by its field", chromedp.Poll[string](
		`(() => { const e = `+lastItem+`.querySelector('.el-form-item__error'); return e ? e.textContent.trim() : false })()`, chromedp.WithPollingTimeout(10*time.Second)))
	if !strings.Contains(refused, "http") || !regexp.MustCompile(`\p{Han}`).MatchString(refused) {
		t.Errorf("the menu item's address error: %q", refused)
	}
	do(t, ctx, "give it a web address, and put the featured block first",
		void(chromedp.Evaluate[bool](`(() => { const i = `+lastItem+`.querySelector('input[data-test=nav-url], [data-test=nav-url] input'); i.value = 'https://alumni.example.edu.cn/'; i.dispatchEvent(new Event('input', {bubbles: true})); return true })()`)),
		void(chromedp.Evaluate[bool](`(() => { const b = Array.from(document.querySelectorAll('[data-test=block]')).find(b => b.querySelector('input[data-test=block-title], [data-test=block-title] input').value === '置顶推荐');
			b.querySelector('[data-test=block-up]').click(); return true })()`)),
		waitText(`[data-test=s-preview-nav]`, "校友会"))
	shot(t, ctx, "console-site-theme")
	do(t, ctx, "save the site", press(`[data-test=s-save]`), waitText(`.el-message`, "站点已保存"))
	// The browser keeps the public answer for the site's max-age (10 s)
	// and revalidates it after, as a CDN would: reload until it shows.
	recoloured := false
	for deadline := time.Now().Add(40 * time.Second); !recoloured && time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		do(t, ctx, "open znzz", chromedp.Navigate(sites["znzz"].URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-test=latest-item]`)))
		recoloured = browserValue(t, ctx, "read znzz's colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('[data-test=site-header]')).backgroundColor`)) == "rgb(13, 71, 161)"
	}
	if !recoloured {
		t.Error("znzz never showed its new primary colour")
	}
	if menu := browserValue(t, ctx, "read znzz's menu", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('[data-test=site-header] nav a')).map(a => a.textContent.trim() + '=' + a.getAttribute('href')).join(' ')`)); !strings.Contains(menu, "校友会=https://alumni.example.edu.cn/") {
		t.Errorf("znzz's menu has not the new item: %s", menu)
	}
	blocks := decode[struct {
		Site struct {
			HomeBlocks []struct {
				Typename string `json:"__typename"`
			}
		}
	}](t, b.post(t, `{ site(slug: "znzz") { homeBlocks { __typename } } }`, nil)).Site.HomeBlocks
	if len(blocks) != 4 || blocks[0].Typename != "FeaturedBlock" || blocks[1].Typename != "HeroBlock" {
		t.Errorf("znzz's home blocks after moving the featured one up: %+v", blocks)
	}

	// The organisation department curates the school's article per site:
	// hidden on znzz, featured on xxgc (published once; each site shows it
	// as it wants).
	openContent(t, ctx, b.server.URL, "browser-school", "全校发布的通知", "已发布", `.el-table__body [data-test=sd-shown-znzz]`)
	labelled(t, ctx, "the site display")
	shot(t, ctx, "console-site-display")
	do(t, ctx, "hide it on znzz", press(`.el-table__body [data-test=sd-shown-znzz]`), waitText(`.el-message`, "站点展示已更新"))
	eventually(t, "the article hidden on znzz", func() bool {
		r := b.post(t, `{ contents(site: "znzz", first: 20) { edges { node { slug } } } }`, nil)
		return len(r.Errors) == 0 && !strings.Contains(string(r.Data), "browser-school")
	})
	do(t, ctx, "feature it on xxgc", press(`.el-table__body [data-test=sd-featured-xxgc]:not(.is-disabled)`))
	eventually(t, "the article featured on xxgc", func() bool {
		r := b.post(t, `{ featured(site: "xxgc") { slug } }`, nil)
		return len(r.Errors) == 0 && strings.Contains(string(r.Data), "browser-school")
	})
	if r := b.post(t, `{ contents(site: "xxgc", first: 20) { edges { node { slug } } } }`, nil); !strings.Contains(string(r.Data), "browser-school") {
		t.Errorf("hidden on znzz also hid it on xxgc: %s", r.Data)
	}

	// A student filters the college's volunteer activities by area and
	// topic, and signs up, signing in on the site when asked.
	do(t, ctx, "open the volunteer activities",
		chromedp.Navigate(sites["xxgc"].URL+"/#/volunteer"),
		waitText(`[data-test=volunteer]`, "新苑社区环境清洁日"))
	choose := func(sel, want string) {
		t.Helper()
		js := fmt.Sprintf(`(() => { const s = document.querySelector(%q); const o = Array.from(s.options).find(o => o.value && o.text.includes(%q)); if (!o) return ''; s.value = o.value; s.dispatchEvent(new Event('change')); return o.text })()`, sel, want)
		if got := browserValue(t, ctx, "choose "+want+" in "+sel, chromedp.Evaluate[string](js)); got == "" {
			t.Fatalf("no option %q in %s", want, sel)
		}
	}
	choose(`[data-test=area]`, "新苑社区（1）")
	do(t, ctx, "filter by area", onlyActivities("新苑社区环境清洁日"))
	choose(`[data-test=topic]`, "助老扶幼（0）")
	do(t, ctx, "filter by a topic no activity there has", chromedp.WaitVisible(chromedp.CSS(`[data-test=no-activities]`)))
	choose(`[data-test=topic]`, "环境保护")
	do(t, ctx, "filter by its topic", onlyActivities("新苑社区环境清洁日"))
	labelled(t, ctx, "the volunteer page")
	do(t, ctx, "sign up, signing in first",
		press(`[data-test=sign-up]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=site-identifier]`)))
	focusIn(t, ctx, "dialog", "the sign-in dialog")
	do(t, ctx, "sign in on the site and sign up",
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-identifier]`), "student"),
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-password]`), demoPassword),
		press(`[data-test=site-login-submit]`),
		waitText(`[data-test=sign-up-result]`, "报名成功"),
		waitText(`[data-test=signed-in]`, "王芳"))
	shot(t, ctx, "site-xxgc-volunteer")
	student, _ := b.login(t, "student", demoPassword)
	mine := decode[struct {
		Activities struct {
			Edges []struct {
				Node struct {
					Title      string
					MySignUp   *struct{ Status string }
					PlacesLeft int
				}
			}
		}
	}](t, b.post(t, `{ activities(site: "xxgc") { edges { node { title placesLeft mySignUp { status } } } } }`, nil, bearer(student)...))
	signedUp := false
	for _, e := range mine.Activities.Edges {
		signedUp = signedUp || (e.Node.Title == "新苑社区环境清洁日" && e.Node.MySignUp != nil && e.Node.MySignUp.Status == "CONFIRMED")
	}
	if !signedUp {
		t.Fatalf("the student's sign-up is not recorded: %+v", mine)
	}

	// A secretary reveals a member's citizen ID; the reveal is audited.
	signOut(t, ctx, b.server.URL)
	signIn(t, ctx, b.server.URL, "secretary")
	do(t, ctx, "list the members",
		chromedp.Navigate(b.server.URL+"/admin/members"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=m-reveal]`)))
	masked := browserValue(t, ctx, "read a masked ID", chromedp.Text(chromedp.CSS(`[data-test=m-citizen-id]`)))
	if !strings.Contains(masked, "*") {
		t.Fatalf("the list shows the citizen ID unmasked: %q", masked)
	}
	labelled(t, ctx, "the member list")
	shot(t, ctx, "console-members")
	do(t, ctx, "reveal the first member's ID",
		press(`[data-test=m-reveal]`),
		chromedp.WaitVisible(chromedp.CSS(`.el-message-box__btns .el-button--primary`)),
		press(`.el-message-box__btns .el-button--primary`))
	revealed := browserValue(t, ctx, "wait for the full ID", chromedp.Poll[string](`(() => { const s = document.querySelector('[data-test=m-citizen-id]').textContent; return s.includes('*') ? false : s })()`, chromedp.WithPollingTimeout(10*time.Second)))
	if len(revealed) != 18 {
		t.Fatalf("revealed citizen ID: %q", revealed)
	}

	// The secretary imports a roster with one good row and one bad one,
	// keeping the good: the dialog follows the import to its end and lists
	// the bad row's problem by row and column.
	roster := filepath.Join(t.TempDir(), "名册.csv")
	if err := os.WriteFile(roster, csvRoster(
		"周新,男,"+member.CitizenIDWithCheck("33010220060101001")+",13900002222,学生,XXGC-XS1,,,信工2401",
		"错行,男,123,13900003333,学生,XXGC-XS1,,,信工2401"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the roster import",
		press(`[data-test=m-import]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=imp-start]`)))
	focusIn(t, ctx, ".el-dialog", "the import dialog")
	labelled(t, ctx, "the import dialog")
	do(t, ctx, "import the roster",
		chromedp.SetUploadFiles(chromedp.CSS(`#imp-file`), []string{roster}),
		press(`[data-test=imp-valid-only] input`),
		press(`[data-test=imp-start]`),
		waitText(`[data-test=imp-result]`, "导入完成：已导入 1 / 2 行"),
		waitText(`[data-test=imp-problems] .el-table__body`, "应为 18 位，而不是 3 位"))
	shot(t, ctx, "console-member-import")
	do(t, ctx, "close the import", chromedp.KeyEvent(kb.Escape))
	do(t, ctx, "find the imported member", chromedp.SendKeys(chromedp.CSS(`#m-query`), "周新"), waitText(`[data-test=m-table] .el-table__body`, "周新"))

	// A stage step the rules refuse: the dialog stays open, with the
	// rules' message next to the field it is about, in Chinese.
	do(t, ctx, "open a stage step",
		press(`.el-table__body [data-test=m-step]`),
		chromedp.WaitVisible(chromedp.CSS(`.el-dialog [data-test=st-save]`)))
	focusIn(t, ctx, ".el-dialog", "the stage-step dialog")
	labelled(t, ctx, "the stage-step dialog")
	do(t, ctx, "record a step without a stage or a date", press(`.el-dialog [data-test=st-save]`))
	required := browserValue(t, ctx, "the required fields marked", chromedp.Poll[string](
		`(() => { const e = Array.from(document.querySelectorAll('.el-dialog .el-form-item__error')).map(e => e.textContent.trim()).filter(Boolean); return e.length === 2 ? e.join(' | ') : false })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if required != "请填写 | 请填写" {
		t.Errorf("required fields: %q", required)
	}
	do(t, ctx, "choose a stage the first member cannot step to now",
		chromedp.SendKeys(chromedp.CSS(`#st-effectiveOn`), "2026-12-01\r"),
		chromedp.Click(chromedp.CSS(`.el-dialog .el-select__wrapper`)),
		void(chromedp.Poll[bool](`(() => { const o = Array.from(document.querySelectorAll('.el-select-dropdown__item')).find(e => e.textContent.trim() === '正式党员' && e.offsetParent); if (!o) return false; o.click(); return true })()`,
			chromedp.WithPollingTimeout(10*time.Second))),
		press(`.el-dialog [data-test=st-save]`))
	said := browserValue(t, ctx, "the rules' message by its field", chromedp.Poll[string](
		`(() => { const e = Array.from(document.querySelectorAll('.el-dialog .el-form-item__error')).map(e => e.textContent.trim()).filter(Boolean); return e.length ? e.join(' | ') : false })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if !regexp.MustCompile(`\p{Han}`).MatchString(said) {
		t.Errorf("the stage step's field error is not in Chinese: %q", said)
	}
	shot(t, ctx, "console-stage-step")
	do(t, ctx, "close the stage step",
		void(chromedp.Evaluate[bool](`(() => { document.querySelector('[data-test=st-save]').closest('.el-dialog').querySelector('.el-dialog__headerbtn').click(); return true })()`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=st-save]`)))

	// The imported member's relationship moves out of the school: the
	// date is asked for first, then the transfer leaves the list.
	do(t, ctx, "open the transfer",
		void(chromedp.Poll[bool](`(() => { const r = Array.from(document.querySelectorAll('[data-test=m-table] .el-table__body tr')).find(r => r.textContent.includes('周新'));
			if (!r) return false; r.querySelector('[data-test=m-transfer]').click(); return true })()`, chromedp.WithPollingTimeout(10*time.Second))),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=tr-save]`)))
	focusIn(t, ctx, ".el-dialog", "the transfer dialog")
	do(t, ctx, "transfer out without a date",
		press(`[data-test=tr-outside] input`),
		chromedp.WaitVisible(chromedp.CSS(`#tr-external`)),
		chromedp.SendKeys(chromedp.CSS(`#tr-external`), "杭州市西湖区某街道党工委"),
		chromedp.SendKeys(chromedp.CSS(`#tr-letter`), "西组转〔2026〕12号"),
		press(`[data-test=tr-save]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"))
	labelled(t, ctx, "the transfer dialog")
	do(t, ctx, "transfer out",
		chromedp.SendKeys(chromedp.CSS(`#tr-effective`), "2026-12-01\r"),
		press(`[data-test=tr-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=tr-save]`)))
	if got := browserValue(t, ctx, "the list after the transfer", chromedp.Poll[string](
		`(() => { const b = document.querySelector('[data-test=m-table] .el-table__body'); return b && !b.textContent.includes('周新') ? 'gone' : false })()`,
		chromedp.WithPollingTimeout(10*time.Second))); got != "gone" {
		t.Errorf("the transferred member is still listed")
	}

	// The secretary organises an activity: the required fields first, then
	// a draft that opens; a student signs up and checks in and out with
	// the codes the check-in screen shows; the roster confirms the hours,
	// asking for the reason when they differ from the attended time.
	do(t, ctx, "open the activities", press(`[data-test=nav-volunteer]`), chromedp.WaitVisible(chromedp.CSS(`[data-test=v-new]`)))
	do(t, ctx, "start an activity", press(`[data-test=v-new]`), chromedp.WaitVisible(chromedp.CSS(`.el-dialog [data-test=v-save]`)))
	focusIn(t, ctx, ".el-dialog", "the activity dialog")
	labelled(t, ctx, "the activity dialog")
	do(t, ctx, "save it empty", press(`.el-dialog [data-test=v-save]`))
	// The title and the four times (the unit is chosen for the caller).
	markedJS := `Array.from(document.querySelectorAll('.el-dialog .el-form-item__error')).map(e => e.closest('.el-form-item').querySelector('label')?.textContent.trim() + '=' + e.textContent.trim())`
	step, cancel := context.WithTimeout(ctx, 10*time.Second)
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`(`+markedJS+`).filter(e => e.endsWith('=请填写')).length === 5`)); err != nil {
		t.Errorf("the required fields marked: %v", browserValue(t, ctx, "read the marks", chromedp.Evaluate[[]string](markedJS)))
	}
	cancel()
	now := time.Now()
	stamp := func(d time.Duration) string { return now.Add(d).Format("2006-01-02 15:04:05") + "\t" }
	do(t, ctx, "fill the activity in",
		chromedp.SendKeys(chromedp.CSS(`#v-title`), "校园垃圾分类宣传"),
		chromedp.SendKeys(chromedp.CSS(`#v-address`), "学生活动中心"),
		chromedp.SendKeys(chromedp.CSS(`#v-signupOpensAt`), stamp(-time.Hour)),
		chromedp.SendKeys(chromedp.CSS(`#v-signupClosesAt`), stamp(time.Hour)),
		chromedp.SendKeys(chromedp.CSS(`#v-startsAt`), stamp(2*time.Hour)),
		chromedp.SendKeys(chromedp.CSS(`#v-endsAt`), stamp(4*time.Hour)),
		press(`.el-dialog [data-test=v-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=v-save]`)),
		waitText(`[data-test=v-table] .el-table__body`, "校园垃圾分类宣传"),
		waitText(`[data-test=v-table] .el-table__body tr:first-child [data-test=v-row-status]`, "草稿"),
		press(`.el-table__body tr:first-child [data-test=v-set-OPEN]`),
		waitText(`[data-test=v-table] .el-table__body tr:first-child [data-test=v-row-status]`, "报名中"))
	shot(t, ctx, "console-volunteer")
	secretary, _ := b.login(t, "secretary", demoPassword)
	listed := decode[struct {
		OrganisedActivities struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}](t, b.post(t, `{ organisedActivities(first: 1) { edges { node { id title } } } }`, nil, bearer(secretary)...)).OrganisedActivities.Edges
	if len(listed) != 1 || listed[0].Node.Title != "校园垃圾分类宣传" {
		t.Fatalf("the organisers' list: %+v", listed)
	}
	activity := listed[0].Node.ID
	if r := b.post(t, `mutation($id: ID!) { signUp(input: {activityId: $id}) { signUp { status } } }`, map[string]any{"id": activity}, bearer(student)...); len(r.Errors) != 0 {
		t.Fatalf("the student's sign-up: %+v", r.Errors)
	}
	attend := func(kind, code string) {
		t.Helper()
		if r := b.post(t, `mutation($id: ID!, $k: AttendanceKind!, $c: String!) { attend(input: {activityId: $id, kind: $k, code: $c}) { signUp { id } } }`,
			map[string]any{"id": activity, "k": kind, "c": code}, bearer(student)...); len(r.Errors) != 0 {
			t.Fatalf("check %s with the screen's code %q: %+v", kind, code, r.Errors)
		}
	}
	readCode := `(() => { const e = document.querySelector('[data-test=s-code]'); const c = document.querySelector('[data-test=s-qr]');
		return e && /^[0-9]{6}$/.test(e.textContent.trim()) && c && c.width > 0 ? e.textContent.trim() : false })()`
	do(t, ctx, "open the check-in screen", press(`.el-table__body tr:first-child [data-test=v-screen]`))
	in := browserValue(t, ctx, "the check-in code", chromedp.Poll[string](readCode, chromedp.WithPollingTimeout(10*time.Second)))
	shot(t, ctx, "console-checkin-screen")
	attend("IN", in)
	do(t, ctx, "switch to check-out", press(`[data-test=s-out]`))
	out := browserValue(t, ctx, "the check-out code", chromedp.Poll[string](`(() => { const c = `+readCode+`; return c && c !== '`+in+`' ? c : false })()`, chromedp.WithPollingTimeout(10*time.Second)))
	attend("OUT", out)
	do(t, ctx, "close the screen",
		void(chromedp.Evaluate[bool](`(() => { document.querySelector('[data-test=s-code]').closest('.el-dialog').querySelector('.el-dialog__headerbtn').click(); return true })()`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=s-code]`)))
	do(t, ctx, "open the roster",
		press(`.el-table__body tr:first-child [data-test=v-roster]`),
		waitText(`[data-test=r-table] .el-table__body`, "王芳"),
		press(`.el-table__body [data-test=r-adjust]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=r-adjust-save]`)))
	focusIn(t, ctx, ".el-dialog", "the hours dialog")
	do(t, ctx, "other hours without a reason",
		void(chromedp.Evaluate[bool](`(() => { const i = document.querySelector('[data-test=r-adjust-hours] input'); i.focus(); i.select(); return true })()`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test=r-adjust-hours] input`), "2\t"),
		press(`[data-test=r-adjust-save]`),
		waitText(`.el-dialog .el-form-item__error`, "原因"))
	labelled(t, ctx, "the hours dialog")
	do(t, ctx, "other hours with the reason",
		chromedp.SendKeys(chromedp.CSS(`#r-reason`), "提前到场布置"),
		press(`[data-test=r-adjust-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=r-adjust-save]`)),
		waitText(`[data-test=r-table] .el-table__body`, "已确认"))
	shot(t, ctx, "console-volunteer-roster")
	record := decode[struct{ VolunteerRecord struct{ TotalHours float64 } }](t, b.post(t, `{ volunteerRecord { totalHours } }`, nil, bearer(student)...))
	if record.VolunteerRecord.TotalHours < 2 {
		t.Errorf("the student's record after the confirmation: %+v", record)
	}

	// The secretary publishes a task to the branch's members: the title and
	// deadline are asked for first. 李明 submits; the secretary returns it
	// (a comment is asked for), 李明 submits again, and it is approved.
	do(t, ctx, "open the tasks", chromedp.Navigate(b.server.URL+"/admin/tasks"), chromedp.WaitVisible(chromedp.CSS(`[data-test=t-new]`)))
	do(t, ctx, "publish a task without a title",
		press(`[data-test=t-new]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=t-publish]`)),
		press(`[data-test=t-publish]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"))
	focusIn(t, ctx, ".el-dialog", "the task dialog")
	labelled(t, ctx, "the task dialog")
	do(t, ctx, "publish the task",
		chromedp.SendKeys(chromedp.CSS(`#t-title`), "撰写十二月思想汇报"),
		chromedp.SendKeys(chromedp.CSS(`#t-checklist`), "思想汇报正文\n学习心得"),
		chromedp.SendKeys(chromedp.CSS(`#t-deadline`), stamp(72*time.Hour)),
		press(`[data-test=t-publish]`),
		waitText(`.el-message`, "任务已发布给"),
		waitText(`[data-test=t-table] .el-table__body`, "撰写十二月思想汇报"))
	member, _ := b.login(t, "member", demoPassword)
	assigned := decode[myTasks](t, b.post(t, myTasksQuery, nil, bearer(member)...)).MyTasks.Edges
	taskID := ""
	for _, e := range assigned {
		if e.Node.Task.Title == "撰写十二月思想汇报" {
			taskID = e.Node.Task.ID
		}
	}
	if taskID == "" {
		t.Fatalf("李明 was not assigned the task: %+v", assigned)
	}
	submit := func(text string) {
		t.Helper()
		if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": taskID, "text": text}}, bearer(member)...); len(r.Errors) != 0 {
			t.Fatalf("李明's submission: %+v", r.Errors)
		}
	}
	submit("十二月思想汇报初稿")
	do(t, ctx, "open the task's submissions",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=t-table] .el-table__body tr')).find(r => r.textContent.includes('撰写十二月思想汇报')).querySelector('td').click(); return true })()`)),
		waitText(`[data-test=t-assignees] .el-table__body`, "十二月思想汇报初稿"),
		waitText(`[data-test=t-progress] .el-table__body`, "学生第一党支部"))
	shot(t, ctx, "console-task")
	do(t, ctx, "return it without a comment",
		press(`.el-table__body [data-test=t-return]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=t-decide]`)),
		press(`[data-test=t-decide]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"))
	labelled(t, ctx, "the review dialog")
	do(t, ctx, "return it with a comment",
		chromedp.SendKeys(chromedp.CSS(`#t-comment`), "请补充学习心得"),
		press(`[data-test=t-decide]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=t-decide]`)),
		waitText(`.el-message`, "已退回"))
	submit("十二月思想汇报（补充了学习心得）")
	do(t, ctx, "approve the second submission",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=t-table] .el-table__body tr')).find(r => r.textContent.includes('撰写十二月思想汇报')).querySelector('td').click(); return true })()`)),
		waitText(`[data-test=t-assignees] .el-table__body`, "补充了学习心得"),
		press(`.el-table__body [data-test=t-approve]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=t-decide]`)),
		press(`[data-test=t-decide]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=t-decide]`)),
		waitText(`.el-message`, "已通过"))
	approved := decode[myTasks](t, b.post(t, myTasksQuery, map[string]any{"st": []string{"APPROVED"}}, bearer(member)...)).MyTasks.Edges
	if len(approved) != 1 || approved[0].Node.Task.ID != taskID {
		t.Errorf("李明's approved tasks: %+v", approved)
	}
	do(t, ctx, "close the task", void(chromedp.Evaluate[bool](`(() => { document.querySelector('.el-drawer__close-btn').click(); return true })()`)))

	// A party lesson recorded after it took place (补录): 李明 marked
	// present, the minutes asked for first, then kept.
	do(t, ctx, "open the meetings", chromedp.Navigate(b.server.URL+"/admin/meetings"), chromedp.WaitVisible(chromedp.CSS(`[data-test=e-new]`)))
	do(t, ctx, "schedule without a title",
		press(`[data-test=e-new]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=e-schedule]`)),
		press(`[data-test=e-schedule]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"))
	focusIn(t, ctx, ".el-dialog", "the meeting dialog")
	labelled(t, ctx, "the meeting dialog")
	do(t, ctx, "record yesterday's party lesson",
		chromedp.SendKeys(chromedp.CSS(`#e-title`), "十二月专题党课"),
		chromedp.SendKeys(chromedp.CSS(`#e-startsAt`), stamp(-26*time.Hour)),
		chromedp.SendKeys(chromedp.CSS(`#e-endsAt`), stamp(-25*time.Hour)),
		chromedp.SendKeys(chromedp.CSS(`#e-place`), "学生活动中心 201"),
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('.el-dialog .el-checkbox')).find(c => c.textContent.includes('补录')).click(); return true })()`)),
		press(`[data-test=e-schedule]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=e-schedule]`)),
		waitText(`[data-test=e-table] .el-table__body`, "十二月专题党课"))
	do(t, ctx, "mark 李明 present",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=e-table] .el-table__body tr')).find(r => r.textContent.includes('十二月专题党课')).querySelector('td').click(); return true })()`)),
		waitText(`[data-test=e-attendees] .el-table__body`, "李明"),
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=e-attendees] .el-table__body tr')).find(r => r.textContent.includes('李明')).querySelector('[data-test=e-present]').click(); return true })()`)),
		void(chromedp.Poll[bool](`(() => { const r = Array.from(document.querySelectorAll('[data-test=e-attendees] .el-table__body tr')).find(r => r.textContent.includes('李明')); return !!r && r.querySelector('[data-test=e-status]').textContent.includes('出席') })()`, chromedp.WithPollingTimeout(10*time.Second))),
		waitText(`[data-test=e-counts]`, "出席 1"),
		press(`[data-test=e-save-minutes]`),
		waitText(`.el-drawer .el-form-item__error`, "请填写"))
	labelled(t, ctx, "the meeting")
	do(t, ctx, "keep the minutes",
		chromedp.SendKeys(chromedp.CSS(`#e-minutes`), "书记讲授专题党课，党员交流学习体会。"),
		press(`[data-test=e-save-minutes]`),
		waitText(`.el-message`, "会议记录已保存"))
	shot(t, ctx, "console-meeting")
	do(t, ctx, "close the meeting", void(chromedp.Evaluate[bool](`(() => { document.querySelector('.el-drawer__close-btn').click(); return true })()`)))
	if r := b.post(t, `query($u: ID!, $from: Time!, $to: Time!) { events(orgUnit: $u, from: $from, to: $to) { edges { node { title minutes attendance { present } } } } }`,
		map[string]any{"u": branchOf(t, b, secretary), "from": now.Add(-48 * time.Hour).Format(time.RFC3339), "to": now.Format(time.RFC3339)}, bearer(secretary)...); !strings.Contains(string(r.Data), "书记讲授专题党课") || !strings.Contains(string(r.Data), `"present":1`) {
		t.Errorf("the recorded party lesson: %s %+v", r.Data, r.Errors)
	}

	// The branch's cockpit: the people by stage, one stage opened to its
	// names; then the early warnings a scan raised, one acknowledged and
	// resolved (what was done is asked for first).
	if _, err := b.app.Warnings.Scan(context.Background(), b.demo.School.ID); err != nil {
		t.Fatal(err)
	}
	figures := decode[struct {
		Cockpit struct {
			People struct {
				Total   int
				ByStage []struct {
					Stage  string
					People int
				}
			}
		}
	}](t, b.post(t, `query($u: ID!) { cockpit(orgUnit: $u) { people { total byStage { stage people } } } }`, map[string]any{"u": branchOf(t, b, secretary)}, bearer(secretary)...)).Cockpit.People
	if figures.Total == 0 {
		t.Fatal("the branch's cockpit counts nobody")
	}
	do(t, ctx, "open the cockpit",
		chromedp.Navigate(b.server.URL+"/admin/cockpit"),
		waitText(`[data-test=ck-people] .el-card__header`, strconv.Itoa(figures.Total)),
		waitText(`[data-test=ck-people]`, "正式党员"))
	shot(t, ctx, "console-cockpit")
	labelled(t, ctx, "the cockpit")
	do(t, ctx, "open the full members",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=ck-people] button')).find(b => b.textContent.trim() === '正式党员').click(); return true })()`)),
		waitText(`[data-test=ck-people-list] .el-table__body`, "李明"),
		void(chromedp.Evaluate[bool](`(() => { document.querySelector('.el-drawer__close-btn').click(); return true })()`)))
	warned := decode[struct {
		Warnings struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}](t, b.post(t, `query($u: ID!) { warnings(orgUnit: $u, status: [OPEN]) { edges { node { id title } } } }`, map[string]any{"u": branchOf(t, b, secretary)}, bearer(secretary)...)).Warnings.Edges
	if len(warned) == 0 {
		t.Fatal("the scan raised no warning at the branch")
	}
	do(t, ctx, "open the warnings",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('.el-tabs__item')).find(e => e.textContent.includes('预警')).click(); return true })()`)),
		waitText(`[data-test=wn-table] .el-table__body`, warned[0].Node.Title),
		press(`.el-table__body [data-test=wn-ack]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=wn-save]`)),
		chromedp.SendKeys(chromedp.CSS(`#wn-note`), "支部已安排专人跟进"),
		press(`[data-test=wn-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=wn-save]`)),
		waitText(`.el-message`, "已认领"),
		press(`.el-table__body [data-test=wn-resolve]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=wn-save]`)),
		press(`[data-test=wn-save]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"))
	labelled(t, ctx, "the warning dialog")
	do(t, ctx, "resolve it",
		chromedp.SendKeys(chromedp.CSS(`#wn-note`), "已逐一谈话提醒"),
		press(`[data-test=wn-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=wn-save]`)),
		waitText(`.el-message`, "已处理"))
	shot(t, ctx, "console-warnings")
	if r := b.post(t, `query($u: ID!) { warnings(orgUnit: $u, status: [RESOLVED]) { edges { node { id } } } }`, map[string]any{"u": branchOf(t, b, secretary)}, bearer(secretary)...); !strings.Contains(string(r.Data), warned[0].Node.ID) {
		t.Errorf("the resolved warnings: %s %+v", r.Data, r.Errors)
	}

	// The secretary moderates: the suggestion that matched the word list
	// shows with the word; a rejection asks for its reason first; approved,
	// it leaves the queue. Then the secretary answers it officially.
	do(t, ctx, "open the moderation queue",
		press(`[data-test=nav-interaction]`),
		waitText(`[data-test=q-table] .el-table__body`, "网上有人宣传线上赌 博"),
		waitText(`[data-test=q-table] .el-table__body`, "赌博"))
	labelled(t, ctx, "the moderation queue")
	shot(t, ctx, "console-moderation")
	do(t, ctx, "reject without a reason",
		press(`.el-table__body [data-test=q-reject]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=q-reject-save]`)))
	focusIn(t, ctx, ".el-dialog", "the rejection dialog")
	do(t, ctx, "reject without a reason",
		press(`[data-test=q-reject-save]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"),
		void(chromedp.Evaluate[bool](`(() => { document.querySelector('[data-test=q-reject-save]').closest('.el-dialog').querySelector('.el-dialog__headerbtn').click(); return true })()`)),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=q-reject-save]`)))
	do(t, ctx, "approve it",
		press(`.el-table__body [data-test=q-approve]`),
		waitText(`.el-message`, "已通过"),
		void(chromedp.Poll[bool](`!document.querySelector('[data-test=q-table] .el-table__body').textContent.includes('线上赌')`, chromedp.WithPollingTimeout(10*time.Second))))
	do(t, ctx, "open the suggestions",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('.el-tabs__item')).find(e => e.textContent.includes('意见建议')).click(); return true })()`)),
		waitText(`[data-test=sg-table] .el-table__body`, "网上有人宣传线上赌 博"),
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=sg-table] .el-table__body tr')).find(r => r.textContent.includes('线上赌')).querySelector('td').click(); return true })()`)),
		chromedp.WaitVisible(chromedp.CSS(`#sg-reply`)))
	labelled(t, ctx, "the suggestion thread")
	do(t, ctx, "answer it officially",
		chromedp.SendKeys(chromedp.CSS(`#sg-reply`), "感谢提醒，支部已在群内发布防范提示。"),
		press(`[data-test=sg-send]`),
		waitText(`[data-test=sg-thread]`, "感谢提醒"),
		waitText(`[data-test=sg-thread]`, "官方回复"))
	shot(t, ctx, "console-suggestion")
	answered := decode[struct {
		Suggestions struct {
			Edges []struct {
				Node struct{ Title, Status string }
			}
		}
	}](t, b.post(t, `query($u: ID!) { suggestions(orgUnit: $u, filter: {status: [ANSWERED]}) { edges { node { title status } } } }`, map[string]any{"u": branchOf(t, b, secretary)}, bearer(secretary)...))
	if !strings.Contains(fmt.Sprint(answered), "网上有人宣传线上赌 博") {
		t.Errorf("the answered suggestions: %+v", answered)
	}
	if n := browserValue(t, ctx, "count the tabs", chromedp.Evaluate[int](`document.querySelectorAll('.el-tabs__item').length`)); n != 2 {
		t.Errorf("a branch's moderator sees %d tabs; the school's word list is not theirs", n)
	}
	// The school's word list is the organisation department's.
	signOut(t, ctx, b.server.URL)
	signIn(t, ctx, b.server.URL, "admin")
	do(t, ctx, "add a word to the school's list",
		press(`[data-test=nav-interaction]`),
		void(chromedp.Poll[bool](`(() => { const t = Array.from(document.querySelectorAll('.el-tabs__item')).find(e => e.textContent.includes('敏感词')); if (!t) return false; t.click(); return true })()`, chromedp.WithPollingTimeout(10*time.Second))),
		waitText(`#w-words`, ""),
		void(chromedp.Poll[bool](`document.querySelector('#w-words').value.includes('代开发票')`, chromedp.WithPollingTimeout(10*time.Second))),
		chromedp.SendKeys(chromedp.CSS(`#w-words`), "\n刷单返利"),
		press(`[data-test=w-save]`),
		waitText(`.el-message`, "词表已保存（4 个词）"))
	labelled(t, ctx, "the word list")
	if r := b.post(t, `{ wordList { words } }`, nil, bearer(admin)...); !strings.Contains(string(r.Data), "刷单返利") {
		t.Errorf("the word list after saving: %s %+v", r.Data, r.Errors)
	}

	// Learning: a plan for the school's full members, then the question
	// bank from a spreadsheet — refused whole for one bad row, then taken.
	do(t, ctx, "set a learning plan",
		chromedp.Navigate(b.server.URL+"/admin/learning"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=lp-save]`)),
		press(`[data-test=lp-save]`),
		waitText(`[data-test=lp-table] .el-table__body`, "每季度 3 节微党课"))
	labelled(t, ctx, "the learning plans")
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "题库-有错.csv"), filepath.Join(dir, "题库.csv")
	const header = "题型,题干,选项A,选项B,选项C,选项D,答案,解析,标签\n"
	if err := os.WriteFile(bad, []byte(header+"单选,党的根本宗旨是什么？,全心全意为人民服务,实现共同富裕,,,A,,党章\n单选,没有答案的题,甲,乙,,,,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(header+"单选,党的根本宗旨是什么？,全心全意为人民服务,实现共同富裕,,,A,,党章\n判断,预备党员的预备期为一年。,,,,,对,党章第七条,党章\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "import a bank with a bad row",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('.el-tabs__item')).find(e => e.textContent.includes('题库')).click(); return true })()`)),
		chromedp.WaitVisible(chromedp.CSS(`#qb-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#qb-file`), []string{bad}),
		waitText(`[data-test=qb-problems] .el-table__body`, "答案"))
	if n := browserValue(t, ctx, "count the bank", chromedp.Evaluate[int](`document.querySelectorAll('[data-test=qb-table] .el-table__body tr').length`)); n != 0 {
		t.Errorf("a refused import left %d questions", n)
	}
	do(t, ctx, "import the corrected bank",
		chromedp.SetUploadFiles(chromedp.CSS(`#qb-file`), []string{good}),
		waitText(`.el-message`, "已导入 2 道题"),
		waitText(`[data-test=qb-table] .el-table__body`, "预备党员的预备期为一年。"))
	labelled(t, ctx, "the question bank")
	// A weekly quiz of both questions, open from an hour ago for a week
	// (its title and times asked for first).
	do(t, ctx, "set a quiz of the chosen questions",
		void(chromedp.Evaluate[bool](`(() => { document.querySelector('[data-test=qb-table] .el-table__header .el-checkbox').click(); return true })()`)),
		waitText(`[data-test=qz-paper]`, "2 道题"),
		press(`[data-test=qz-paper]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=qz-save]`)),
		press(`[data-test=qz-save]`),
		waitText(`.el-dialog .el-form-item__error`, "请填写"))
	labelled(t, ctx, "the quiz dialog")
	do(t, ctx, "set it",
		chromedp.SendKeys(chromedp.CSS(`#qz-title`), "十二月党章知识测验"),
		chromedp.SendKeys(chromedp.CSS(`#qz-opensAt`), time.Now().Add(-time.Hour).Format("2006-01-02 15:04:05")+"\t"),
		chromedp.SendKeys(chromedp.CSS(`#qz-closesAt`), time.Now().Add(7*24*time.Hour).Format("2006-01-02 15:04:05")+"\t"),
		press(`[data-test=qz-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=qz-save]`)),
		waitText(`[data-test=qz-table] .el-table__body`, "十二月党章知识测验"))
	shot(t, ctx, "console-question-bank")
	if r := b.post(t, `{ quizzes { edges { node { title questionCount } } } }`, nil, bearer(learner)...); !strings.Contains(string(r.Data), `"title":"十二月党章知识测验","questionCount":2`) {
		t.Errorf("the quiz a member sees: %s %+v", r.Data, r.Errors)
	}

	// Accounts: a new committee member's account, given the secretary's
	// role at the branch; the school admin's role is refused there, by its
	// field; a role is taken back after a confirmation.
	chooseIn := func(sel, text string) chromedp.Action[chromedp.Void] {
		return void(chromedp.Poll[bool](fmt.Sprintf(`(() => { document.querySelector(%q).closest('.el-select').querySelector('.el-select__wrapper').click();
			const o = Array.from(document.querySelectorAll('.el-select-dropdown__item')).find(e => e.textContent.trim() === %q && e.offsetParent); if (!o) return false; o.click(); return true })()`, sel, text),
			chromedp.WithPollingTimeout(10*time.Second)))
	}
	do(t, ctx, "create an account",
		chromedp.Navigate(b.server.URL+"/admin/accounts"),
		waitText(`[data-test=ac-table] .el-table__body`, "组织部管理员"),
		press(`[data-test=ac-new]`),
		chromedp.WaitVisible(chromedp.CSS(`#ac-username`)),
		chromedp.SendKeys(chromedp.CSS(`#ac-username`), "xs1-weiyuan"),
		chromedp.SendKeys(chromedp.CSS(`#ac-displayName`), "学生第一党支部组织委员"),
		chromedp.SendKeys(chromedp.CSS(`#ac-password`), "Zuzhi-Weiyuan-2026"),
		press(`[data-test=ac-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=ac-save]`)),
		waitText(`[data-test=ac-table] .el-table__body`, "xs1-weiyuan"))
	labelled(t, ctx, "the accounts")
	openGrant := void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=ac-table] .el-table__body tr')).find(r => r.textContent.includes('xs1-weiyuan')).querySelector('[data-test=ac-grant]').click(); return true })()`))
	do(t, ctx, "grant the school admin's role at a branch",
		openGrant,
		chromedp.WaitVisible(chromedp.CSS(`[data-test=ac-grant-save]`)),
		chooseIn(`#ac-role`, "学校管理员"),
		chooseIn(`#ac-unit`, "信息工程学院学生第一党支部"),
		press(`[data-test=ac-grant-save]`),
		waitText(`.el-dialog .el-form-item__error`, "党委"))
	labelled(t, ctx, "the role dialog")
	do(t, ctx, "grant the secretary's role there",
		chooseIn(`#ac-role`, "组织管理员"),
		press(`[data-test=ac-grant-save]`),
		chromedp.WaitNotVisible(chromedp.CSS(`[data-test=ac-grant-save]`)),
		waitText(`[data-test=ac-table] .el-table__body`, "组织管理员，信息工程学院学生第一党支部"))
	shot(t, ctx, "console-accounts")
	weiyuan, _ := b.login(t, "xs1-weiyuan", "Zuzhi-Weiyuan-2026")
	if r := b.post(t, `{ me { permissions } }`, nil, bearer(weiyuan)...); !strings.Contains(string(r.Data), "MEMBER_WRITE") {
		t.Errorf("the new account's permissions: %s %+v", r.Data, r.Errors)
	}
	do(t, ctx, "take the role back",
		void(chromedp.Evaluate[bool](`(() => { Array.from(document.querySelectorAll('[data-test=ac-table] .el-table__body tr')).find(r => r.textContent.includes('xs1-weiyuan')).querySelector('[data-test=ac-role] .el-tag__close').click(); return true })()`)),
		chromedp.WaitVisible(chromedp.CSS(`.el-message-box`)),
		press(`.el-message-box__btns .el-button--primary`),
		waitText(`.el-message`, "角色已收回"),
		void(chromedp.Poll[bool](`!Array.from(document.querySelectorAll('[data-test=ac-table] .el-table__body tr')).find(r => r.textContent.includes('xs1-weiyuan')).textContent.includes('组织管理员')`, chromedp.WithPollingTimeout(10*time.Second))))
	if r := b.post(t, `{ accounts(query: "xs1-weiyuan") { edges { node { roles { role } } } } }`, nil, bearer(admin)...); !strings.Contains(string(r.Data), `"roles":[]`) {
		t.Errorf("the account's roles after the revocation: %s %+v", r.Data, r.Errors)
	}

	audit := decode[struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Action string
					Actor  struct{ Username string }
				}
			}
		}
	}](t, b.post(t, `{ auditLog(filter: {actions: ["pii_read"]}, first: 10) { edges { node { action actor { username } } } } }`, nil, bearer(admin)...))
	found := false
	for _, e := range audit.AuditLog.Edges {
		found = found || e.Node.Actor.Username == "secretary"
	}
	if !found {
		t.Fatalf("the audit log has no pii_read by the secretary: %+v", audit)
	}
}

// TestDemoSiteOnRegisteredOperations: with ZHDJ_OPERATIONS=registered the
// demo front end runs on the operations its build's manifest lists, once
// they are pushed for its site (as `zhdj operations push --front-end` and
// `make run` do): what the browser sends hashes to what the manifest says.
// The console runs on its own built-in operations.
func TestDemoSiteOnRegisteredOperations(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_OPERATIONS": "registered"})
	ctx := chromium(t)
	bg := context.Background()
	if _, err := seed.DemoVolunteer(bg, b.demo.School, b.app.Org, b.app.Volunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	consoleOps, err := console.Operations("admin")
	if err != nil {
		t.Fatal(err)
	}
	admin := decode[struct{ Login struct{ AccessToken string } }](t, b.post(t, consoleOps["Login"],
		map[string]any{"in": map[string]any{"school": "demo", "identifier": "admin", "password": demoPassword}})).Login.AccessToken
	srv := httptest.NewServer(console.Site(b.server.URL + "/graphql"))
	t.Cleanup(srv.Close)
	xxgc, err := b.app.Sites.RouteBySlug(bg, "xxgc")
	if err != nil {
		t.Fatal(err)
	}
	// The site's ID as the console finds it: under the admin's unit.
	me := decode[struct {
		Me struct {
			Roles []struct{ OrgUnit struct{ ID string } }
		}
	}](t, b.post(t, consoleOps["WhoAmI"], nil, bearer(admin)...)).Me
	if len(me.Roles) == 0 {
		t.Fatal("the admin has no role")
	}
	managed := decode[struct {
		OrgUnits struct {
			Edges []struct {
				Node struct{ Sites []struct{ ID, Slug string } }
			}
		}
	}](t, b.post(t, consoleOps["ManagedSites"], map[string]any{"under": me.Roles[0].OrgUnit.ID}, bearer(admin)...)).OrgUnits.Edges
	siteID := ""
	for _, e := range managed {
		for _, s := range e.Node.Sites {
			if s.Slug == "xxgc" {
				siteID = s.ID
			}
		}
	}
	if siteID == "" {
		t.Fatalf("xxgc is not among the admin's sites: %+v", managed)
	}
	if r := b.post(t, consoleOps["UpdateSite"], map[string]any{"in": map[string]any{"id": siteID, "origins": []string{srv.URL}}}, bearer(admin)...); len(r.Errors) != 0 {
		t.Fatalf("the console's site update: %+v", r.Errors)
	}
	siteOps, err := console.Operations("site")
	if err != nil || len(siteOps) == 0 {
		t.Fatalf("the front end's manifest: %v", err)
	}
	if _, err := b.app.Operations.Register(bg, xxgc.TenantID, xxgc.SiteID, siteOps); err != nil {
		t.Fatal(err)
	}
	if err := b.app.Operations.Load(bg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "CORS allows "+srv.URL, func() bool {
		req, _ := http.NewRequest(http.MethodOptions, b.server.URL+"/graphql", nil)
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.Header.Get("Access-Control-Allow-Origin") == srv.URL
	})
	do(t, ctx, "open the site", chromedp.Navigate(srv.URL+"/"), waitText(`[data-test=site-header]`, "信息工程学院党建"), chromedp.WaitVisible(chromedp.CSS(`[data-test=latest]`)))
	do(t, ctx, "open the volunteer activities", chromedp.Navigate(srv.URL+"/#/volunteer"), waitText(`[data-test=volunteer]`, "新苑社区环境清洁日"))
	do(t, ctx, "sign in on the site and sign up",
		press(`[data-test=sign-up]`),
		chromedp.WaitVisible(chromedp.CSS(`[data-test=site-identifier]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-identifier]`), "student"),
		chromedp.SendKeys(chromedp.CSS(`[data-test=site-password]`), demoPassword),
		press(`[data-test=site-login-submit]`),
		waitText(`[data-test=sign-up-result]`, "报名成功"))
	if alert := browserValue(t, ctx, "look for an error", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('[role=alert]')).map(e => e.textContent).join(' | ')`)); alert != "" {
		t.Errorf("the site shows an error: %s", alert)
	}
	// An operation the manifest does not list is refused from the site's origin.
	if r := b.post(t, `{ site(slug: "xxgc") { name } }`, nil, "Origin", srv.URL); r.code(0) != "FORBIDDEN" {
		t.Errorf("an unlisted operation from the site: %+v", r.Errors)
	}
}

// branchOf is the org unit the account of token is bound at.
func branchOf(t *testing.T, b *testBundle, token string) string {
	t.Helper()
	me := decode[struct {
		Me struct {
			Roles []struct{ OrgUnit struct{ ID string } }
		}
	}](t, b.post(t, `{ me { roles { orgUnit { id } } } }`, nil, bearer(token)...)).Me
	if len(me.Roles) == 0 {
		t.Fatal("no role")
	}
	return me.Roles[0].OrgUnit.ID
}
