package app

import (
	"net/http"

	"errors"

	"zhdj/graph"
	"zhdj/internal/apperr"
	"zhdj/internal/i18n"
	"zhdj/internal/sso"
)

// ssoStart sends the browser to the school's identity provider.
func (a *App) ssoStart(w http.ResponseWriter, r *http.Request) {
	school, err := a.Tenants.ByCode(r.Context(), r.PathValue("school"))
	if err != nil {
		a.ssoError(w, r, err)
		return
	}
	to, err := a.SSO.Begin(r.Context(), school.ID, school.Code, r.PathValue("provider"), r.URL.Query().Get("return_to"))
	if err != nil {
		a.ssoError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// ssoCallback finishes the sign-in and returns the browser to the front
// end it came from, with the session or the reason it failed.
func (a *App) ssoCallback(w http.ResponseWriter, r *http.Request) {
	school, err := a.Tenants.ByCode(r.Context(), r.PathValue("school"))
	if err != nil {
		a.ssoError(w, r, err)
		return
	}
	sess, returnTo, err := a.SSO.Finish(r.Context(), school.ID, school.Code, r.PathValue("provider"), r.URL.Query(), r.UserAgent())
	if err != nil && returnTo == "" { // no sign-in to return from
		a.ssoError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		http.Redirect(w, r, sso.ReturnURL(returnTo, nil, a.publicMessage(r, err)), http.StatusFound)
		return
	}
	http.Redirect(w, r, sso.ReturnURL(returnTo, sess, ""), http.StatusFound)
}

// publicMessage is what the person may be told of err, in their language.
func (a *App) publicMessage(r *http.Request, err error) string {
	msg := "internal error"
	var e *apperr.Error
	if errors.As(err, &e) && e.Kind != apperr.Internal {
		msg = e.Msg
	} else {
		a.Log.ErrorContext(r.Context(), "sso: sign-in failed", "err", err)
	}
	return i18n.Translate(graph.LanguageOf(r.Context()), msg)
}

// ssoError answers a sign-in that cannot return anywhere.
func (a *App) ssoError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	var e *apperr.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case apperr.NotFound:
			status = http.StatusNotFound
		case apperr.Unavailable:
			status = http.StatusServiceUnavailable
		case apperr.Unauthenticated:
			status = http.StatusUnauthorized
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, a.publicMessage(r, err), status)
}
