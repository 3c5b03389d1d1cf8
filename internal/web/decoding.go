package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ"
)

// This file is the one boundary where request input is read: JSON bodies,
// posted forms (URL-encoded and multipart) and the URL itself. Every text
// value that passes it has been checked by shequ.CheckText, so no field of
// any handler can forget it; a JSON body of null, or a null where the field
// does not take one, is refused here too. Handlers then only apply their
// fields' own rules (lengths, formats, ranges).

// maxJSONBytes bounds the ordinary JSON bodies.
const maxJSONBytes = 64 << 10

// Errors of the decoding boundary.
var (
	// errBadJSON answers a body that is not the expected JSON object.
	errBadJSON = shequ.Errorf(shequ.EInvalid, "error.bad_json", "The request body is not valid JSON.")
	// errNullBody answers a body that is JSON null (or not an object).
	errNullBody = shequ.Errorf(shequ.EInvalid, "error.null_body", "The request body must be a JSON object, not null.")
	// errBadForm answers a form body that cannot be parsed (or is too large).
	errBadForm = shequ.Errorf(shequ.EInvalid, "error.bad_form", "The form could not be read.")
)

// errNull is the field error of a null where the field needs a value.
var errNull = shequ.Errorf(shequ.EInvalid, "field.null",
	"This field needs a value; leave it out to keep it unchanged, null is not accepted here.")

// multilineFields are the fields that hold long text (textareas, notes,
// reasons): they may contain newlines and tabs; every other text field is
// one line. A field inside one (the values of "attributes") inherits it, and
// the item's form then applies each field's own type.
var multilineFields = map[string]bool{
	"answer": true, "attributes": true, "candidates": true, "comment": true, "content": true,
	"description": true, "experience": true, "missing": true, "note": true, "objectives": true,
	"participant_id_numbers": true, "plan": true, "reason": true, "resident_ids": true, "result": true,
	"text": true,
}

// multilineForm reports whether a posted form field holds long text: the
// names above, and the answers of a service item's form ("attr_CODE" on
// the pages, "attribute[CODE]" in Open311), checked by their field type.
func multilineForm(name string) bool {
	return multilineFields[name] || strings.HasPrefix(name, "attr_") || strings.HasPrefix(name, "attribute[")
}

// textKind is the kind of text a field accepts.
func textKind(long bool) shequ.TextKind {
	if long {
		return shequ.TextLong
	}
	return shequ.TextLine
}

// decodeJSON reads a JSON body of at most maxJSONBytes into v: see
// decodeJSONMax.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSONMax(w, r, v, maxJSONBytes)
}

// decodeJSONMax reads a bounded JSON body into v, refusing unknown fields
// (a misspelt field is an error rather than silently ignored), a body that
// is null or not an object, and then every text value (and object key) that
// shequ.CheckText refuses and every null the field of v does not take, each
// as a field error named by its path ("name", "milestones[1].name"). The
// raw bytes are checked as well as the decoded strings: encoding/json would
// silently turn invalid UTF-8 into U+FFFD.
//
// Null is taken by the types that say so (optFloat: "clear"), and by
// fields tagged `null:"ok"` (a pointer left nil: "none", in a body that
// replaces the whole record) or `null:"empty"` (the same as "": an optional
// date cleared); anywhere else null would decode as "absent" and be
// silently ignored.
func decodeJSONMax(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		return errBadJSON
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		if bytes.Equal(t, []byte("null")) || json.Valid(t) {
			return errNullBody
		}
		return errBadJSON
	}
	wk := &jsonWalker{dec: json.NewDecoder(bytes.NewReader(body)), body: body}
	if err := wk.value(reflect.TypeOf(v), "", false, nullRefused); err != nil {
		return errBadJSON
	}
	dec := json.NewDecoder(bytes.NewReader(wk.rewritten()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadJSON
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadJSON
	}
	return wk.fe.Err()
}

// nullRule is what a field's `null` tag says a JSON null means there.
type nullRule int

const (
	nullRefused nullRule = iota // no tag: refused unless the type takes it
	nullOK                      // `null:"ok"`: decoded as usual (nil)
	nullEmpty                   // `null:"empty"`: read as ""
)

// jsonWalker reads tokens and remembers where each started, so that the
// raw bytes of every string can be checked, and where the nulls to read as
// "" are.
type jsonWalker struct {
	dec     *json.Decoder
	body    []byte
	fe      shequ.FieldErrors
	empties []int64 // end offsets of null tokens to rewrite as ""
}

// rewritten returns the body with the nulls of `null:"empty"` fields
// replaced by "".
func (wk *jsonWalker) rewritten() []byte {
	if len(wk.empties) == 0 {
		return wk.body
	}
	var b bytes.Buffer
	last := int64(0)
	for _, end := range wk.empties {
		b.Write(wk.body[last : end-4])
		b.WriteString(`""`)
		last = end
	}
	b.Write(wk.body[last:])
	return b.Bytes()
}

// token returns the next token and its raw bytes (with the separators in
// front of it, which are ASCII).
func (wk *jsonWalker) token() (json.Token, []byte, error) {
	start := wk.dec.InputOffset()
	tok, err := wk.dec.Token()
	return tok, wk.body[start:wk.dec.InputOffset()], err
}

// text records the field error of a string, if any.
func (wk *jsonWalker) text(path string, s string, raw []byte, long bool) {
	if path == "" {
		path = "body"
	}
	err := shequ.CheckText(s, textKind(long))
	if !utf8.Valid(raw) {
		err = shequ.ErrTextEncoding
	}
	if err != nil {
		e := shequ.AsError(err)
		wk.fe.Add(path, e.Key, e.Message, nil)
	}
}

// value checks the next JSON value, which decodes into t (nil: unknown),
// at path; long tells whether its text may have several lines, rule what
// the field's tag says of null.
func (wk *jsonWalker) value(t reflect.Type, path string, long bool, rule nullRule) error {
	if t == rawMessageType {
		t, rule = nil, nullOK // the receiver decodes it: nothing below is typed
	}
	tok, raw, err := wk.token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case string:
		wk.text(path, tok, raw, long)
	case nil:
		switch {
		case rule == nullEmpty:
			wk.empties = append(wk.empties, wk.dec.InputOffset())
		case rule == nullRefused && !nullable(t):
			wk.fe.Add(fieldPath(path), errNull.Key, errNull.Message, nil)
		}
	case json.Delim:
		switch tok {
		case '{':
			for wk.dec.More() {
				ktok, kraw, err := wk.token()
				if err != nil {
					return err
				}
				key, _ := ktok.(string)
				ft, name, rule := member(t, key)
				sub := joinPath(path, name)
				wk.text(sub, key, kraw, false)
				if err := wk.value(ft, sub, long || multilineFields[name], rule); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; wk.dec.More(); i++ {
				if err := wk.value(elem(t), path+"["+strconv.Itoa(i)+"]", long, nullRefused); err != nil {
					return err
				}
			}
		}
		_, _, err = wk.token() // the closing delimiter
		return err
	}
	return nil
}

// fieldPath names the whole body when path is empty.
func fieldPath(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// joinPath appends a member name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indirect strips pointers.
func indirect(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// elem is the type of the elements of a slice or array type t.
func elem(t reflect.Type) reflect.Type {
	t = indirect(t)
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		return t.Elem()
	}
	return nil
}

// member returns the type a JSON object member decodes into, the name to
// report it by, and what its struct tag says of null. Struct fields are
// matched as encoding/json matches them (the tag name, exactly or ignoring
// case; embedded structs' fields too); a map's members are its values. An
// unknown member (refused when decoding) is nil.
func member(t reflect.Type, key string) (reflect.Type, string, nullRule) {
	t = indirect(t)
	if t == nil {
		return nil, key, nullOK
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), key, nullRefused
	case reflect.Struct:
		if f, ok := structField(t, key); ok {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			switch f.Tag.Get("null") {
			case "ok":
				return f.Type, name, nullOK
			case "empty":
				return f.Type, name, nullEmpty
			}
			return f.Type, name, nullRefused
		}
	}
	return nil, key, nullOK
}

// structField finds the field of struct type t that encoding/json decodes
// key into: an exact name first, then one equal ignoring case.
func structField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold *reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && indirect(f.Type).Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = &f
		}
	}
	if fold != nil {
		return *fold, true
	}
	return reflect.StructField{}, false
}

// opt is a JSON value that may be absent (Set false), null (Set, V nil) or
// a value: PATCH tells "leave as is" from "clear", PUT "unknown" from "left
// out".
type opt[T any] struct {
	Set bool
	V   *T
}

// takesNull tells the decoding boundary that null means something here.
func (opt[T]) takesNull() {}

// UnmarshalJSON records that the field was present.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.V = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.V = &v
	return nil
}

// nullTaker is implemented by the JSON types whose null means something
// (optFloat: "clear the value").
type nullTaker interface{ takesNull() }

var nullTakerType = reflect.TypeFor[nullTaker]()

// rawMessageType is json.RawMessage: a value its receiver decodes itself
// (the registers read their fields from map[string]json.RawMessage and
// decide which take null), so the walk checks its text but not its nulls.
var rawMessageType = reflect.TypeFor[json.RawMessage]()

// nullable reports whether JSON null is a meaningful value of type t: for
// types that say so, and where the type is unknown (any) or left to its
// receiver (json.RawMessage). A null for any other field, pointers
// included, would decode as "absent" and be silently ignored, so it is
// refused.
func nullable(t reflect.Type) bool {
	if t == nil || t.Kind() == reflect.Interface || t == rawMessageType {
		return true
	}
	return t.Implements(nullTakerType) || reflect.PointerTo(t).Implements(nullTakerType)
}

// readForm reads a posted URL-encoded form of at most maxFormBytes into
// r.PostForm and checks its text; on failure it answers the error and
// returns false.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	return s.readFormMax(w, r, maxFormBytes)
}

// readFormMax is readForm with another bound.
func (s *Server) readFormMax(w http.ResponseWriter, r *http.Request, max int64) bool {
	if err := parseForm(w, r, max); err != nil {
		s.error(w, r, err)
		return false
	}
	return s.formKey(w, r)
}

// parseForm reads a bounded form into r.PostForm (and r.Form) and returns
// the field errors of its text. A form posted as multipart is read as well
// (its files too, for the handlers that take one), so that its values are
// neither ignored nor left unchecked.
func parseForm(w http.ResponseWriter, r *http.Request, max int64) error {
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "multipart/form-data") {
		return parseMultipart(w, r, max, errBadForm)
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	return checkValues(r.PostForm, nil)
}

// readMultipart reads a multipart form bounded by max bytes in all (files
// above 1 MiB spill to temporary files, removed when the request ends) and
// checks the text of its values and of its files' names; tooLarge is the
// error of a body that cannot be read (usually: too large). On failure it
// answers the error and returns false.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request, max int64, tooLarge error) bool {
	if err := parseMultipart(w, r, max, tooLarge); err != nil {
		s.error(w, r, err)
		return false
	}
	return s.formKey(w, r)
}

// parseMultipart is readMultipart without the answer.
func parseMultipart(w http.ResponseWriter, r *http.Request, max int64, tooLarge error) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return tooLarge
	}
	return checkValues(r.MultipartForm.Value, r.MultipartForm.File)
}

// formFile returns the first file of a multipart form that parseMultipart
// read (never parsing the body itself, as http.Request.FormFile would).
func formFile(r *http.Request, name string) (multipart.File, *multipart.FileHeader, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil, nil, http.ErrMissingFile
	}
	fh := r.MultipartForm.File[name][0]
	f, err := fh.Open()
	return f, fh, err
}

// checkValues checks every name and value of a form, and the names of its
// files, with shequ.CheckText; the field errors name the form fields.
func checkValues(v url.Values, files map[string][]*multipart.FileHeader) error {
	var fe shequ.FieldErrors
	add := func(field string, err error) {
		if err != nil {
			e := shequ.AsError(err)
			fe.Add(field, e.Key, e.Message, nil)
		}
	}
	for _, name := range sortedKeys(v) {
		add(name, shequ.CheckText(name, shequ.TextLine))
		for _, val := range v[name] {
			add(name, shequ.CheckText(val, textKind(multilineForm(name))))
		}
	}
	for name, fhs := range files {
		add(name, shequ.CheckText(name, shequ.TextLine))
		for _, fh := range fhs {
			add(name, shequ.CheckText(fh.Filename, shequ.TextLine))
		}
	}
	return fe.Err()
}

// sortedKeys returns the names of a form in order, so errors come in a
// stable order.
func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkURLText refuses a request whose path or query holds text that
// shequ.CheckText refuses (a NUL in a search would otherwise reach
// PostgreSQL, which refuses it with an internal error; an id with a bidi
// override would reach the logs), before any handler sees it.
func (s *Server) checkURLText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := urlTextError(r.URL); err != nil {
			if strings.HasPrefix(r.URL.Path, "/open311/") {
				_, format, _ := splitFormat(path.Base(r.URL.Path))
				s.open311Error(w, r, format, err)
				return
			}
			s.error(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// urlTextError returns the field errors of a URL's path and query.
func urlTextError(u *url.URL) error {
	var fe shequ.FieldErrors
	if err := shequ.CheckText(u.Path, shequ.TextLine); err != nil {
		e := shequ.AsError(err)
		fe.Add("path", e.Key, e.Message, nil)
	}
	// A malformed escape drops that pair, as r.URL.Query() does for the
	// handlers; the pairs it parsed are checked.
	q, _ := url.ParseQuery(u.RawQuery)
	if err := checkValues(q, nil); err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	return fe.Err()
}
