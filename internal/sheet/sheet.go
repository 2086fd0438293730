// Package sheet writes the .xlsx rosters people download (members,
// activity rosters): one sheet, a header row, every value a string cell;
// and reads the tables people upload (member rosters, question banks).
package sheet

import (
	"bufio"
	"fmt"
	"io"
	"os"
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

// File is a finished spreadsheet to hand to the person who asked for it,
// spooled to a temporary file (a roster of 50,000 people is never held in
// memory); Close removes it.
type File struct {
	Filename    string
	ContentType string
	Rows        int // data rows, the header not counted
	Size        int64
	body        *os.File
}

// Open returns the file's bytes from the start.
func (f *File) Open() (io.Reader, error) {
	if _, err := f.body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return f.body, nil
}

// Bytes reads the whole file (for small files and tests).
func (f *File) Bytes() ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Close removes the temporary file.
func (f *File) Close() error {
	if f == nil || f.body == nil {
		return nil
	}
	name := f.body.Name()
	err := f.body.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	f.body = nil
	return err
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

// Finish finishes the workbook as a File named after the sheet and the
// time (e.g. 党员名册-20261126-080000.xlsx, in the zone of at); the Writer
// is done. The caller closes the File.
func (w *Writer) Finish(at time.Time) (*File, error) {
	defer w.Close()
	if err := w.sw.Flush(); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "zhdj-sheet-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("sheet: spool: %w", err)
	}
	f := &File{Filename: w.name + "-" + at.Format("20060102-150405") + ".xlsx", ContentType: ContentType, Rows: w.next - 2, body: tmp}
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if _, err := w.wb.WriteTo(bw); err != nil {
		f.Close()
		return nil, fmt.Errorf("sheet: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return nil, fmt.Errorf("sheet: write: %w", err)
	}
	st, err := tmp.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	f.Size = st.Size()
	return f, nil
}

// Close releases the workbook (and its temporary files); calling it again,
// or after Finish, does nothing.
func (w *Writer) Close() {
	if !w.done {
		w.done = true
		_ = w.wb.Close()
	}
}
