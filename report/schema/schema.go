// Package schema ships the JSON Schema of padlock's report (report-v1.json, version 1) and
// validates documents against it. The schema is the published contract of `-f json`; tests of
// every package that writes a report validate what they write with Validate, and a reflection
// test in package report keeps the schema's properties in step with the report's Go types.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// V1 is the JSON Schema (draft 2020-12) of version 1 of the report.
//
//go:embed report-v1.json
var V1 []byte

// ID is V1's $id.
const ID = "https://github.com/padlock-scan/padlock/report/schema/report-v1.json"

var (
	once     sync.Once
	compiler *jsonschema.Compiler
	compiled *jsonschema.Schema
	errLoad  error

	defsMu sync.Mutex
	defs   = map[string]*jsonschema.Schema{}
)

// Compiled is V1 compiled, with format assertions on (date-time).
func Compiled() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(V1))
		if err != nil {
			errLoad = fmt.Errorf("report schema: %w", err)
			return
		}
		compiler = jsonschema.NewCompiler()
		compiler.AssertFormat()
		if err := compiler.AddResource(ID, doc); err != nil {
			errLoad = fmt.Errorf("report schema: %w", err)
			return
		}
		compiled, errLoad = compiler.Compile(ID)
	})
	return compiled, errLoad
}

// Def is the definition V1 names name in $defs (page, finding), compiled: a reader that streams
// a report validates it one element at a time with these.
func Def(name string) (*jsonschema.Schema, error) {
	if _, err := Compiled(); err != nil {
		return nil, err
	}
	defsMu.Lock()
	defer defsMu.Unlock()
	if s, ok := defs[name]; ok {
		return s, nil
	}
	s, err := compiler.Compile(ID + "#/$defs/" + name)
	if err != nil {
		return nil, fmt.Errorf("report schema: %w", err)
	}
	defs[name] = s
	return s, nil
}

// Validate checks one JSON report against V1; the error names each JSON path that fails.
func Validate(report []byte) error {
	sch, err := Compiled()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(report))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(inst)
}
