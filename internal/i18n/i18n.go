// Package i18n is the one message catalogue of shequ, shared by the web
// pages, the JSON API and the command line. Messages live in embedded JSON
// files (flat key → text with {{.Name}} placeholders), one per language;
// zh-CN is the default and the fallback for anything missing.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"

	"golang.org/x/text/language"

	"shequ"
)

// Default is the language used when a request names none we support.
const Default = "zh-CN"

//go:embed locales/*.json
var localeFS embed.FS

// supported lists the languages in order of preference; the first is the
// default, which also makes it the matcher's answer for unknown languages.
var supported = []string{Default, "en"}

// Catalog holds the parsed messages of every supported language. It is safe
// for concurrent use.
type Catalog struct {
	tags    []language.Tag
	matcher language.Matcher
	// locs holds one Localizer per language: a Localizer carries no
	// request state, so handing out shared ones saves an allocation and a
	// matcher run per call.
	locs map[string]*Localizer
}

// message is one text of one language: plain, or a template parsed once
// (a page translates dozens of messages; parsing them on every call was
// most of the cost of a page's text).
type message struct {
	text string
	tmpl *template.Template // nil for plain text
}

// New parses the embedded message files: flat key → text objects, one per
// language, a text being a Go template when it holds "{{". A language
// missing a key gets the default language's text.
func New() (*Catalog, error) {
	tags := make([]language.Tag, len(supported))
	for i, s := range supported {
		tags[i] = language.MustParse(s)
	}
	texts := make([]map[string]string, len(supported))
	for i, s := range supported {
		name := path.Join("locales", s+".json")
		buf, err := fs.ReadFile(localeFS, name)
		if err != nil {
			return nil, fmt.Errorf("read catalogue %s: %w", name, err)
		}
		if err := json.Unmarshal(buf, &texts[i]); err != nil {
			return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
		}
	}
	c := &Catalog{tags: tags, matcher: language.NewMatcher(tags), locs: map[string]*Localizer{}}
	for i, s := range supported {
		msgs := map[string]*message{}
		for _, m := range []map[string]string{texts[0], texts[i]} {
			for k, text := range m {
				msg := &message{text: text}
				if strings.Contains(text, "{{") {
					t, err := template.New(k).Parse(text)
					if err != nil {
						return nil, fmt.Errorf("parse catalogue %s: message %q: %w", s, k, err)
					}
					msg.tmpl = t
				}
				msgs[k] = msg
			}
		}
		c.locs[s] = &Localizer{lang: s, msgs: msgs}
	}
	return c, nil
}

// Languages returns the supported languages, the default first.
func (c *Catalog) Languages() []string { return append([]string(nil), supported...) }

// Localizer returns the localizer for the best match among langs, each an
// Accept-Language header value or a single tag, earlier ones preferred.
// Anything unknown or empty gives the default language.
func (c *Catalog) Localizer(langs ...string) *Localizer {
	var want []language.Tag
	for _, l := range langs {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		tags, _, err := language.ParseAcceptLanguage(l)
		if err != nil {
			continue
		}
		want = append(want, tags...)
	}
	if len(want) == 0 {
		return c.locs[Default]
	}
	_, i, conf := c.matcher.Match(want...)
	if conf == language.No {
		return c.locs[Default]
	}
	return c.locs[supported[i]]
}

// Localizer translates messages into one language.
type Localizer struct {
	lang string
	msgs map[string]*message
}

// Lang returns the language tag of the localizer: "zh-CN" or "en".
func (l *Localizer) Lang() string { return l.lang }

// T translates key, filling placeholders from data (several maps are merged,
// later ones winning). A key missing from the catalogue comes back as the key
// itself, so that a forgotten entry shows up on screen instead of panicking.
func (l *Localizer) T(key string, data ...map[string]any) string {
	var td map[string]any
	switch len(data) {
	case 0:
	case 1:
		td = data[0]
	default:
		td = map[string]any{}
		for _, d := range data {
			for k, v := range d {
				td[k] = v
			}
		}
	}
	m, ok := l.msgs[key]
	if !ok || m.text == "" {
		return key
	}
	if m.tmpl == nil {
		return m.text
	}
	var b strings.Builder
	if err := m.tmpl.Execute(&b, td); err != nil {
		return key
	}
	return b.String()
}

// Error translates an application error: its Key with its Data, or its
// English Message when the key is empty or unknown.
func (l *Localizer) Error(e *shequ.Error) string {
	if e == nil {
		return ""
	}
	return l.translate(e.Key, e.Data, e.Message)
}

// FieldError translates a field error like Error does.
func (l *Localizer) FieldError(f shequ.FieldError) string {
	return l.translate(f.Key, f.Data, f.Message)
}

func (l *Localizer) translate(key string, data map[string]any, fallback string) string {
	if key != "" {
		if msg := l.T(key, l.labels(data)); msg != key {
			return msg
		}
	}
	if fallback == "" {
		return key
	}
	return fallback
}

// labels returns data with every shequ.Label (or shequ.Labels) value
// replaced by its label in the localizer's language, e.g. the state
// "returned" of a project by 已退回; data itself is not changed.
func (l *Localizer) labels(data map[string]any) map[string]any {
	var out map[string]any
	for k, v := range data {
		var text string
		switch v := v.(type) {
		case shequ.Label:
			text = l.label(v)
		case shequ.Labels:
			if len(v) == 0 {
				text = l.T("list.none")
				break
			}
			names := make([]string, len(v))
			for i, x := range v {
				names[i] = l.label(x)
			}
			text = strings.Join(names, l.T("list.separator"))
		default:
			continue
		}
		if out == nil {
			out = make(map[string]any, len(data))
			for k2, v2 := range data {
				out[k2] = v2
			}
		}
		out[k] = text
	}
	if out == nil {
		return data
	}
	return out
}

// label is the catalogue's name of one enum value, its identifier when the
// catalogue has none.
func (l *Localizer) label(v shequ.Label) string {
	key := v.Prefix + "." + v.Value
	if t := l.T(key); t != key {
		return t
	}
	return v.Value
}

// Suffixes returns, sorted, what follows prefix in the keys that start
// with it: the values a catalogue labels, e.g. Suffixes("audit.action.")
// lists the audit actions that have a label, for a page to offer as
// choices.
func (l *Localizer) Suffixes(prefix string) []string {
	var out []string
	for k := range l.msgs {
		if s, ok := strings.CutPrefix(k, prefix); ok && s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Has reports whether the catalogue has key.
func (l *Localizer) Has(key string) bool {
	_, ok := l.msgs[key]
	return ok
}
