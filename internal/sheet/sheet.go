// Package sheet writes the .xlsx rosters people download (members,
// activity rosters): one sheet, a header row, every value a string cell.
package sheet

import (
	"bytes"
	"time"

	"github.com/xuri/excelize/v2"
)

// ContentType is the media type of an .xlsx file.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SafeCell returns s so that no spreadsheet program evaluates it: a value
// that starts like a formula (=, +, -, @, or a tab or carriage return) is
// prefixed with an apostrophe, which spreadsheets show as text.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// File is a finished spreadsheet to hand to the person who asked for it.
type File struct {
	Filename    string
	ContentType string
	Data        []byte
	Rows        int // data rows, the header not counted
}

// Writer streams rows into a one-sheet workbook.
type Writer struct {
	wb   *excelize.File
	sw   *excelize.StreamWriter
	name string
	next int  // the next row number (1-based)
	done bool // the workbook is closed
}

// New starts a workbook whose only sheet is name, with headers as row 1.
func New(name string, headers []string) (*Writer, error) {
	wb := excelize.NewFile()
	if err := wb.SetSheetName("Sheet1", name); err != nil {
		wb.Close()
		return nil, err
	}
	sw, err := wb.NewStreamWriter(name)
	if err != nil {
		wb.Close()
		return nil, err
	}
	w := &Writer{wb: wb, sw: sw, name: name, next: 1}
	if err := w.Row(headers); err != nil {
		wb.Close()
		return nil, err
	}
	return w, nil
}

// Row appends a row. Every value is written as a string cell, never a
// formula; callers defuse typed-in text with SafeCell for programs that
// re-parse it.
func (w *Writer) Row(values []string) error {
	cells := make([]any, len(values))
	for i, v := range values {
		cells[i] = excelize.Cell{Value: v}
	}
	cell, _ := excelize.CoordinatesToCellName(1, w.next)
	w.next++
	return w.sw.SetRow(cell, cells)
}

// Bytes finishes the workbook and returns the file; the Writer is done.
func (w *Writer) Bytes() ([]byte, error) {
	defer w.Close()
	if err := w.sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := w.wb.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Finish finishes the workbook as a File named after the sheet and the
// time (e.g. 党员名册-20261126-080000.xlsx, in the zone of at).
func (w *Writer) Finish(at time.Time) (*File, error) {
	data, err := w.Bytes()
	if err != nil {
		return nil, err
	}
	return &File{Filename: w.name + "-" + at.Format("20060102-150405") + ".xlsx", ContentType: ContentType, Data: data, Rows: w.next - 2}, nil
}

// Close releases the workbook (and its temporary files); calling it again,
// or after Bytes, does nothing.
func (w *Writer) Close() {
	if !w.done {
		w.done = true
		_ = w.wb.Close()
	}
}
