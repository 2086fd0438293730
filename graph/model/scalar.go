package model

import "encoding/json"

// JSON is the Go type of the JSON scalar: a raw JSON document.
type JSON = json.RawMessage
