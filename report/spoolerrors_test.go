package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Every field of Error survives the spool, Kind (which the JSON report does not carry) and
// bytes that are not UTF-8 included.
func TestErrorCodecRoundTrip(t *testing.T) {
	t.Parallel()
	var e Error
	v := reflect.ValueOf(&e).Elem()
	for i := 0; i < v.NumField(); i++ {
		fv := v.Field(i)
		if fv.Kind() != reflect.String {
			t.Fatalf("field %s: kind %s not filled by the test", v.Type().Field(i).Name, fv.Kind())
		}
		fv.SetString(fmt.Sprintf("s%d \"é\"\x00\xff", i))
	}
	for _, in := range []Error{e, {}} {
		var out Error
		if err := errorCodec.dec(errorCodec.enc(nil, &in), &out); err != nil {
			t.Fatal(err)
		}
		if out != in {
			t.Errorf("round trip of %+v gave %+v", in, out)
		}
	}
}

// Errors added to a spool that spills every one come back in the order Finish gives a report
// kept in memory (by URL, then message; equal ones as added), direct appends to Errors included.
func TestSpooledErrorsInOrder(t *testing.T) {
	t.Parallel()
	add := []Error{{URL: "b", Error: "2"}, {URL: "a", Error: "9", Kind: "timeout"}, {URL: "b", Error: "1"}, {URL: "a", Error: "9", Kind: "dns"}}
	var mem Report
	for _, e := range add {
		_ = mem.AddError(e)
	}
	mem.Errors = append(mem.Errors, Error{URL: "a", Error: "0"})
	mem.Finish()

	var sp Report
	sp.UseSpool(NewSpoolSize(1))
	defer sp.Close()
	for _, e := range add {
		if err := sp.AddError(e); err != nil {
			t.Fatal(err)
		}
	}
	sp.Errors = append(sp.Errors, Error{URL: "a", Error: "0"}) // as the renderer adds its own
	sp.Finish()
	got, err := sp.errorList()
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Errors) != 0 || sp.Stats.Errors != 5 || !reflect.DeepEqual(got, mem.Errors) {
		t.Errorf("spooled: %v (%d in memory, stats %d), want %v", got, len(sp.Errors), sp.Stats.Errors, mem.Errors)
	}
}

// OpenFile spools a report's errors as it reads them, and writes them back as they were.
func TestOpenFileSpoolsErrors(t *testing.T) {
	t.Parallel()
	r := Report{Version: Version, Pages: []Page{}, Findings: []Finding{}}
	for i := range 300 {
		r.Errors = append(r.Errors, Error{URL: fmt.Sprintf("https://shop.example/p%03d.html", i), Error: "timeout after 10s"})
	}
	r.Finish()
	var b bytes.Buffer
	if err := writeJSON(&b, &r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := OpenFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if len(rep.Errors) != 0 || rep.NumErrors() != 300 || rep.spool.errs == nil || len(rep.spool.errs.runs) == 0 {
		t.Fatalf("%d errors in memory, %d in all: want 300, spooled in runs", len(rep.Errors), rep.NumErrors())
	}
	var again bytes.Buffer
	if err := writeJSON(&again, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Errorf("written back differently:\n%s", again.String()[:min(again.Len(), 2000)])
	}
}
