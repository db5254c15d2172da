package python

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestLibrary(t *testing.T) {
	own := fstest.MapFS{
		"squall_wrapper.py":                {Data: []byte("# the plugin's\n")},
		"st2common/runners/__init__.py":    {Data: nil},
		"st2common/__init__.py":            {Data: []byte("# the plugin's own wins\n")},
		"st2common/__pycache__/x.pyc":      {Data: []byte("stale")},
		"st2common/runners/base_action.py": {Data: []byte("class Action: pass\n")},
	}
	dir, err := NewLibrary(own).Dir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for path, want := range map[string]string{
		"squall_bridge.py":                 "",
		"st2common/constants/__init__.py":  "", // embedded despite its leading underscore
		"st2common/services/datastore.py":  "",
		"squall_wrapper.py":                "# the plugin's\n",
		"st2common/__init__.py":            "# the plugin's own wins\n",
		"st2common/runners/base_action.py": "class Action: pass\n",
		"st2common/constants/keyvalue.py":  "",
		"st2common/runners/__init__.py":    "",
		"st2common/services/__init__.py":   "",
	} {
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if want != "" && string(b) != want {
			t.Fatalf("%s: %q, want %q", path, b, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "st2common", "__pycache__")); !os.IsNotExist(err) {
		t.Fatalf("__pycache__ was written: %v", err)
	}
}
