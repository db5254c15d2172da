package packs

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yaml11Bools are the plain scalars PyYAML (YAML 1.1) reads as booleans
// and YAML 1.2 reads as strings; StackStorm's files are written for PyYAML.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false,
	"on": true, "On": true, "ON": true, "off": false, "Off": false, "OFF": false,
	"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false,
}

// DecodeYAML decodes a document as PyYAML would: plain yes/no/on/off are
// booleans, also inside free-form maps. An empty document leaves out as is.
func DecodeYAML(data []byte, out any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return cleanYAMLError(err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	resolve11(&doc)
	return cleanYAMLError(doc.Decode(out))
}

func resolve11(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!str" {
		// Single-letter y/n stay strings: PyYAML's resolver leaves them too.
		if b, ok := yaml11Bools[n.Value]; ok && len(n.Value) > 1 {
			n.Tag = "!!bool"
			n.Value = fmt.Sprint(b)
		}
	}
	for _, c := range n.Content {
		resolve11(c)
	}
}

func cleanYAMLError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
}
