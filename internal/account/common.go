package account

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sort"
	"strings"
	"sync"
)

// commonPasswordsGz is the list fetch-common-passwords.sh writes: about
// 370,000 breached and common passwords (SecLists, with the ones common in
// China), lower-cased, sorted, one per line.
//
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

var (
	commonOnce  sync.Once
	commonText  string   // the lines, each ending in "\n"
	commonStart []uint32 // where each line starts
)

// isCommonPassword reports whether password, lower-cased, is on the list.
// The list is unpacked the first time it is needed (about 5 MiB, kept)
// and searched by halving.
func isCommonPassword(password string) bool {
	commonOnce.Do(loadCommonPasswords)
	want := strings.ToLower(password)
	line := func(i int) string {
		end := len(commonText)
		if i+1 < len(commonStart) {
			end = int(commonStart[i+1])
		}
		return commonText[commonStart[i] : end-1]
	}
	i := sort.Search(len(commonStart), func(i int) bool { return line(i) >= want })
	return i < len(commonStart) && line(i) == want
}

func loadCommonPasswords() {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("account: the embedded password list is broken: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("account: the embedded password list is broken: " + err.Error())
	}
	commonText = string(b)
	commonStart = make([]uint32, 0, bytes.Count(b, []byte{'\n'}))
	for i := 0; i < len(b); {
		commonStart = append(commonStart, uint32(i))
		n := bytes.IndexByte(b[i:], '\n')
		if n < 0 {
			commonText += "\n"
			break
		}
		i += n + 1
	}
}
