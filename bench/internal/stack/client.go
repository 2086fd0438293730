package stack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// GraphQL posts query with vars to the server at base (signed in with
// token when set) and decodes the data into out; the first GraphQL error
// is returned as an error.
func GraphQL(base, token, query string, vars map[string]any, out any) error {
	return Client{Base: base, HTTP: http.DefaultClient}.Post(token, query, vars, out)
}

// Client posts GraphQL to one server through its own connection pool.
type Client struct {
	Base string
	HTTP *http.Client
}

// NewClient is a Client for base keeping up to conns connections open.
func NewClient(base string, conns int) Client {
	return Client{Base: base, HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}}
}

// Post posts query with vars (signed in with token when set) and decodes
// the data into out; the first GraphQL error is returned as an error.
func (c Client) Post(token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.Base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var env struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%d: %s", res.StatusCode, raw)
	}
	if len(env.Errors) > 0 {
		return fmt.Errorf("%s", env.Errors[0].Message)
	}
	return json.Unmarshal(env.Data, out)
}

// PeakRSS returns a process's peak resident set size (VmHWM) in bytes.
func PeakRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}
