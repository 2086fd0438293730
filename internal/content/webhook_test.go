package content

import (
	"context"
	"testing"

	"zhdj/internal/apperr"
)

// TestWebhookEndpointsMustBePublic: a webhook goes to an absolute http(s)
// URL without credentials whose host is a public address, never into the
// server's own network (unless the deployment allows private addresses).
func TestWebhookEndpointsMustBePublic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	strict, lax := WebhookPolicy{}, WebhookPolicy{AllowPrivate: true}
	for _, c := range []struct {
		url        string
		strict, ok bool // accepted under each policy
	}{
		{"https://203.0.113.10/hook", true, true},
		{"http://127.0.0.1:8080/hook", false, true},
		{"http://localhost/hook", false, true},
		{"http://10.1.2.3/hook", false, true},
		{"http://192.168.1.20/hook", false, true},
		{"http://[::1]/hook", false, true},
		{"http://169.254.169.254/latest/meta-data", false, true},
		{"http://0.0.0.0/hook", false, true},
		{"ftp://example.com/x", false, false},
		{"http://user:pw@example.com/", false, false},
		{"/relative/hook", false, false},
	} {
		for _, p := range []struct {
			policy WebhookPolicy
			want   bool
		}{{strict, c.strict}, {lax, c.ok}} {
			_, err := p.policy.checkEndpoint(ctx, c.url)
			switch {
			case p.want && err != nil:
				t.Errorf("%s (private allowed: %v): refused: %v", c.url, p.policy.AllowPrivate, err)
			case !p.want && apperr.FieldsOf(err)["url"] == "":
				t.Errorf("%s (private allowed: %v): %v, want Invalid at url", c.url, p.policy.AllowPrivate, err)
			}
		}
	}
}
