package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot walks up from the package directory to the directory holding
// go.mod, so the key check covers the whole module wherever tests run from.
func moduleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// keyUse is one message key written as a literal in Go source.
type keyUse struct {
	key string
	pos token.Position
}

// collectKeys finds message keys passed as literals:
//   - the 2nd argument of shequ.Errorf (or Errorf inside package shequ);
//   - the 1st argument of any .T(...) call (Localizer.T);
//   - the 2nd argument of .Add(field, key, message, data) (FieldErrors.Add,
//     recognised by its four arguments since the AST has no types);
//   - Key: "..." in composite literals of Error and FieldError, including
//     the elided element literals of []FieldError and FieldErrors.
func collectKeys(fset *token.FileSet, f *ast.File) []keyUse {
	inShequ := f.Name.Name == "shequ"
	var out []keyUse
	lit := func(e ast.Expr) {
		bl, ok := e.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil {
			return
		}
		out = append(out, keyUse{s, fset.Position(bl.Pos())})
	}
	// isShequType reports whether e names shequ.<name> (or <name> inside
	// package shequ) for one of names.
	isShequType := func(e ast.Expr, names ...string) bool {
		var n string
		switch x := e.(type) {
		case *ast.Ident:
			if !inShequ {
				return false
			}
			n = x.Name
		case *ast.SelectorExpr:
			pkg, ok := x.X.(*ast.Ident)
			if !ok || pkg.Name != "shequ" {
				return false
			}
			n = x.Sel.Name
		default:
			return false
		}
		for _, want := range names {
			if n == want {
				return true
			}
		}
		return false
	}
	keyField := func(cl *ast.CompositeLit) {
		for _, el := range cl.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Key" {
				lit(kv.Value)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			switch fn := x.Fun.(type) {
			case *ast.Ident:
				if inShequ && fn.Name == "Errorf" && len(x.Args) >= 2 {
					lit(x.Args[1])
				}
			case *ast.SelectorExpr:
				switch {
				case fn.Sel.Name == "Errorf" && isShequType(fn, "Errorf") && len(x.Args) >= 2:
					lit(x.Args[1])
				case fn.Sel.Name == "T" && len(x.Args) >= 1:
					lit(x.Args[0])
				case fn.Sel.Name == "Add" && len(x.Args) == 4:
					lit(x.Args[1])
				}
			}
		case *ast.CompositeLit:
			switch typ := x.Type.(type) {
			case *ast.ArrayType:
				if isShequType(typ.Elt, "FieldError", "Error") {
					for _, el := range x.Elts {
						if cl, ok := el.(*ast.CompositeLit); ok && cl.Type == nil {
							keyField(cl)
						}
					}
				}
			default:
				if isShequType(x.Type, "Error", "FieldError") {
					keyField(x)
				}
				if isShequType(x.Type, "FieldErrors") {
					for _, el := range x.Elts {
						if cl, ok := el.(*ast.CompositeLit); ok && cl.Type == nil {
							keyField(cl)
						}
					}
				}
			}
		}
		return true
	})
	return out
}

func TestKeysUsedInCodeExist(t *testing.T) {
	root := moduleRoot(t)
	raw := loadRaw(t)
	fset := token.NewFileSet()
	var uses []keyUse
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// Hidden, underscore, testdata and vendored trees are not
			// compiled into the module's packages.
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		uses = append(uses, collectKeys(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Guard against a walker that silently finds nothing: package shequ is
	// known to use these keys.
	found := map[string]bool{}
	for _, u := range uses {
		found[u.key] = true
	}
	for _, k := range []string{"division.code.malformed", "error.internal", "error.invalid_fields"} {
		if !found[k] {
			t.Errorf("the walker did not find key %q used by package shequ", k)
		}
	}
	for _, u := range uses {
		for lang, m := range raw {
			if _, ok := m[u.key]; !ok {
				t.Errorf("%s: key %q is missing from %s.json", u.pos, u.key, lang)
			}
		}
	}
}

// TestCollectKeys checks the walker on a sample, so that each recognised
// call shape is known to work.
func TestCollectKeys(t *testing.T) {
	src := `package x
import "shequ"
func f(l interface{ T(string, ...map[string]any) string }) {
	_ = shequ.Errorf(shequ.EInvalid, "k.errorf", "msg")
	_ = l.T("k.t")
	var fe shequ.FieldErrors
	fe.Add("field", "k.add", "msg", nil)
	_ = &shequ.Error{Code: shequ.EInvalid, Key: "k.error"}
	_ = shequ.FieldError{Field: "a", Key: "k.field"}
	_ = []shequ.FieldError{{Field: "a", Key: "k.slice"}}
	_ = shequ.FieldErrors{{Field: "a", Key: "k.fieldErrors"}}
	_ = fmt.Errorf("not %s", "a.key")
	h.Add("X-Header", "not.a.key")
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range collectKeys(fset, f) {
		got = append(got, u.key)
	}
	want := "k.errorf k.t k.add k.error k.field k.slice k.fieldErrors"
	if strings.Join(got, " ") != want {
		t.Errorf("collectKeys = %q, want %q", got, want)
	}
}
