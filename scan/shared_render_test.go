package scan

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/rules"
)

// Every field of rules.Config reaches a worker through the crawl's record: a field added to
// rules.Config and not to sharedRules would make workers judge rendered pages with another
// configuration than the starting process, silently. Each field is set from the struct.
func TestSharedRulesCarryEveryField(t *testing.T) {
	var rc rules.Config
	v := reflect.ValueOf(&rc).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Interface().(type) {
		case []string:
			f.Set(reflect.ValueOf([]string{"a.test", v.Type().Field(i).Name}))
		case map[string]string:
			f.Set(reflect.ValueOf(map[string]string{"https://cdn.test/a.js": "analytics"}))
		case time.Time:
			f.Set(reflect.ValueOf(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)))
		case time.Duration:
			f.Set(reflect.ValueOf(21 * 24 * time.Hour))
		case []*regexp.Regexp:
			f.Set(reflect.ValueOf([]*regexp.Regexp{regexp.MustCompile(`/checkout(/|$)`)}))
		default:
			t.Fatalf("rules.Config.%s is a %s: teach sharedRules and this test about it", v.Type().Field(i).Name, f.Type())
		}
	}
	b, err := json.Marshal(rulesWire(&rc))
	if err != nil {
		t.Fatal(err)
	}
	var w sharedRules
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	got, err := w.config()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rc) {
		t.Errorf("through the record:\n%+v\nwant:\n%+v", got, rc)
	}
}
