package sso

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"zhdj/internal/account"
	"zhdj/internal/apperr"
)

// casService is the service URL of a CAS sign-in: the callback with the
// sign-in's state, to which the server appends the ticket, and which the
// ticket's validation must name again exactly.
func casService(callback, state string) string {
	return callback + "?state=" + url.QueryEscape(state)
}

// casClient validates tickets.
var casClient = &http.Client{Timeout: 10 * time.Second}

// casResponse is a CAS 3.0 /p3/serviceValidate answer.
type casResponse struct {
	XMLName xml.Name `xml:"serviceResponse"`
	Success *struct {
		User       string `xml:"user"`
		Attributes struct {
			Values []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"attributes"`
	} `xml:"authenticationSuccess"`
	Failure *struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"authenticationFailure"`
}

// casFinish validates the service ticket with the CAS server (CAS 3.0
// /p3/serviceValidate) and reads the person: the CAS user is the subject,
// and the link value is the configured attribute ("user": the user name).
func (s *Service) casFinish(ctx context.Context, p *Provider, service, ticket string) (account.Identity, error) {
	if !strings.HasPrefix(ticket, "ST-") {
		return account.Identity{}, apperr.Unauthenticatedf("the campus identity system sent no service ticket; start again")
	}
	q := url.Values{"service": {service}, "ticket": {ticket}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/p3/serviceValidate?"+q.Encode(), nil)
	if err != nil {
		return account.Identity{}, fmt.Errorf("sso: cas: %w", err)
	}
	res, err := casClient.Do(req)
	if err != nil {
		return account.Identity{}, &apperr.Error{Kind: apperr.Unavailable, Msg: "the campus identity system does not answer; try again shortly", Err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return account.Identity{}, &apperr.Error{Kind: apperr.Unavailable, Msg: "the campus identity system does not answer; try again shortly",
			Err: fmt.Errorf("sso: cas: serviceValidate answered %s", res.Status)}
	}
	var r casResponse
	if err := xml.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&r); err != nil {
		return account.Identity{}, &apperr.Error{Kind: apperr.Unavailable, Msg: "the campus identity system gave an answer that is not CAS", Err: err}
	}
	switch {
	case r.Failure != nil:
		return account.Identity{}, &apperr.Error{Kind: apperr.Unauthenticated, Msg: "the campus identity system did not accept the sign-in; start again",
			Err: fmt.Errorf("sso: cas: %s: %s", r.Failure.Code, strings.TrimSpace(r.Failure.Message))}
	case r.Success == nil || strings.TrimSpace(r.Success.User) == "":
		return account.Identity{}, &apperr.Error{Kind: apperr.Unavailable, Msg: "the campus identity system gave an answer that is not CAS",
			Err: fmt.Errorf("sso: cas: neither success nor failure")}
	}
	attrs := map[string]string{"user": strings.TrimSpace(r.Success.User)}
	for _, a := range r.Success.Attributes.Values {
		if _, seen := attrs[a.XMLName.Local]; !seen {
			attrs[a.XMLName.Local] = strings.TrimSpace(a.Value)
		}
	}
	name := attrs["displayName"]
	if name == "" {
		name = attrs["name"]
	}
	return account.Identity{ProviderID: p.ID, ProviderName: p.Name, Subject: attrs["user"], LinkValue: attrs[p.LinkAttribute],
		LinkTo: p.LinkTo, DisplayName: name, CreateAccounts: p.CreateAccounts}, nil
}
