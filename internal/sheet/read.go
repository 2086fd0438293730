package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Problem is what is wrong with one cell (or row) of an uploaded table. Row
// is the spreadsheet row number (the header is row 1).
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// ReadTable returns the rows of an .xlsx (first sheet) or .csv file
// (UTF-8, or GB18030 as Excel on Chinese Windows writes it).
func ReadTable(filename string, data []byte) ([][]string, error) {
	isXLSX := bytes.HasPrefix(data, []byte("PK\x03\x04"))
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case isXLSX:
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not a readable .xlsx file: %w", err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errors.New("the workbook has no sheet")
		}
		rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("read sheet %q: %w", sheets[0], err)
		}
		return rows, nil
	case ext == ".xlsx":
		return nil, errors.New("the file is named .xlsx but is not an Excel workbook")
	case ext == ".csv" || ext == ".txt" || ext == "":
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
			if err != nil {
				return nil, errors.New("the CSV file is neither UTF-8 nor GB18030 text")
			}
			data = decoded
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true // hand-edited files often carry bare quotes
		rows, err := r.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("not a readable CSV file: %w", err)
		}
		return rows, nil
	}
	return nil, fmt.Errorf("%s files are not supported; use .xlsx or .csv", ext)
}

// ReadUpload reads an uploaded file, at most max bytes and one more (so
// that the caller can tell it is too large).
func ReadUpload(r io.Reader, max int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return data, nil
}
