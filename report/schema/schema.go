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
	compiled *jsonschema.Schema
	errLoad  error
)

// Compiled is V1 compiled, with format assertions on (date-time).
func Compiled() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(V1))
		if err != nil {
			errLoad = fmt.Errorf("report schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(ID, doc); err != nil {
			errLoad = fmt.Errorf("report schema: %w", err)
			return
		}
		compiled, errLoad = c.Compile(ID)
	})
	return compiled, errLoad
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
