package params

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is compiled parameter specs, ready to validate values.
type Schema struct {
	sch      *jsonschema.Schema
	required map[string]bool
}

// nonSchema are StackStorm's additions to a property; the JSON-schema
// validator must not see them (required, as a boolean, becomes the
// object's required list).
var nonSchema = map[string]bool{"position": true, "secret": true, "immutable": true, "required": true}

// Compile turns specs into an object schema. additional allows values
// that no spec names (pack configs allow them; action parameters do not).
func Compile(specs map[string]any, additional bool) (*Schema, error) {
	props := map[string]any{}
	var required []any
	isRequired := map[string]bool{}
	for _, name := range sortedKeys(specs) {
		prop, _ := specs[name].(map[string]any)
		clean := map[string]any{}
		for k, v := range prop {
			if !nonSchema[k] {
				clean[k] = v
			}
		}
		if prop["required"] == true {
			required = append(required, name)
			isRequired[name] = true
		}
		props[name] = clean
	}
	doc := map[string]any{"type": "object", "properties": props, "additionalProperties": additional}
	if len(required) > 0 {
		doc["required"] = required
	}
	norm, err := normalize(doc)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("params.json", norm); err != nil {
		return nil, fmt.Errorf("invalid parameter schema: %w", err)
	}
	sch, err := c.Compile("params.json")
	if err != nil {
		return nil, fmt.Errorf("invalid parameter schema: %w", err)
	}
	return &Schema{sch: sch, required: isRequired}, nil
}

// Validate checks values; the error names each offending parameter.
func (s *Schema) Validate(values map[string]any) error {
	// An optional parameter may be null whatever its type: that is
	// StackStorm's "not given" (a default of None).
	given := make(map[string]any, len(values))
	for k, v := range values {
		if v != nil || s.required[k] {
			given[k] = v
		}
	}
	norm, err := normalize(given)
	if err != nil {
		return err
	}
	err = s.sch.Validate(norm)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err
	}
	var msgs []string
	collect(ve, &msgs)
	sort.Strings(msgs)
	return fmt.Errorf("%s", strings.Join(dedupe(msgs), "; "))
}

// Validate compiles specs and validates values in one go.
func Validate(values, specs map[string]any, additional bool) error {
	s, err := Compile(specs, additional)
	if err != nil {
		return err
	}
	return s.Validate(values)
}

var printer = message.NewPrinter(language.English)

func collect(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		msg := ve.ErrorKind.LocalizedString(printer)
		if len(ve.InstanceLocation) > 0 {
			msg = fmt.Sprintf("parameter %q: %s", strings.Join(ve.InstanceLocation, "."), msg)
		}
		*out = append(*out, msg)
		return
	}
	for _, c := range ve.Causes {
		collect(c, out)
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// normalize gives the validator what it expects: JSON types only, with
// json.Number for every number.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("parameters are not plain data: %w", err)
	}
	return jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
}

// ValidateSchema checks any value against a full JSON schema document
// (action output schemas). A schema without "type", "properties" or
// "$schema" at its top is taken as the properties of an object, the older
// StackStorm form.
func ValidateSchema(value any, schema map[string]any) error {
	doc := schema
	_, hasType := schema["type"]
	_, hasProps := schema["properties"]
	_, hasDraft := schema["$schema"]
	if !hasType && !hasProps && !hasDraft {
		doc = map[string]any{"type": "object", "properties": schema}
	}
	norm, err := normalize(doc)
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("output.json", norm); err != nil {
		return fmt.Errorf("invalid output schema: %w", err)
	}
	sch, err := c.Compile("output.json")
	if err != nil {
		return fmt.Errorf("invalid output schema: %w", err)
	}
	v, err := normalize(value)
	if err != nil {
		return err
	}
	if err := sch.Validate(v); err != nil {
		ve, ok := err.(*jsonschema.ValidationError)
		if !ok {
			return err
		}
		var msgs []string
		collect(ve, &msgs)
		sort.Strings(msgs)
		return fmt.Errorf("%s", strings.Join(dedupe(msgs), "; "))
	}
	return nil
}

// ValidateObject checks an object against a StackStorm object schema,
// whose properties may say "required": true (draft 4, as trigger
// parameters_schema and inquiry schemas are written). A schema without
// properties takes any object; additionalProperties defaults to allowed.
func ValidateObject(values map[string]any, schema map[string]any) error {
	props, _ := schema["properties"].(map[string]any)
	if len(props) == 0 {
		return nil
	}
	additional := true
	if a, ok := schema["additionalProperties"].(bool); ok {
		additional = a
	}
	sch, err := Compile(props, additional)
	if err != nil {
		return fmt.Errorf("the schema: %v", err)
	}
	if values == nil {
		values = map[string]any{}
	}
	return sch.Validate(values)
}

// SchemaCache keeps compiled schemas by a caller's key (an action and the
// version of its specs): compiling is most of the cost of validating.
type SchemaCache struct {
	mu sync.Mutex
	m  map[string]*Schema
}

// maxCachedSchemas bounds the cache; it starts over when full.
const maxCachedSchemas = 1024

// Compile returns the schema cached under key, compiling specs on a miss.
func (c *SchemaCache) Compile(key string, specs map[string]any, additional bool) (*Schema, error) {
	c.mu.Lock()
	s, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := Compile(specs, additional)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSchemas {
		c.m = map[string]*Schema{}
	}
	c.m[key] = s
	c.mu.Unlock()
	return s, nil
}
