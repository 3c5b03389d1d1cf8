package web

import (
	"html/template"
	"io"
	"strings"
	"text/template/parse"

	"shequ/internal/i18n"
)

// Folding constant translations. A page's template set is parsed for one
// language, so {{t "key"}} prints the same text at every render; yet each
// such action costs two reflective calls (the function, then the escaper
// html/template added), and a page has dozens of them. foldTranslations
// replaces them by the text they print.
//
// It works on the escaped trees, so that the text is exactly what the
// action would print: html/template escapes a template, and the templates
// it calls, the first time it runs, adding its escapers to each action's
// pipeline. An action is folded only when that pipeline is the translation
// of a constant key followed by escapers for HTML text, a quoted attribute
// value or RCDATA (<title>), which for a string all print what
// foldEscaper prints; an action in a URL, a script, a style or an unquoted
// attribute keeps its call. Templates not reached from the layout are
// escaped later, on their first use, and are left as they are.

// foldableEscapers are html/template's escapers whose output for a string
// is its HTML text escaping.
var foldableEscapers = map[string]bool{
	"_html_template_htmlescaper":   true,
	"_html_template_attrescaper":   true,
	"_html_template_rcdataescaper": true,
}

// foldEscaper prints a string as html/template does in HTML text.
var foldEscaper = template.Must(template.New("fold").Parse(`{{.}}`))

// foldTranslations folds the constant translations of page template t,
// whose "layout" renders the page, for the language of l. It returns the
// number of actions folded.
func foldTranslations(t *template.Template, l *i18n.Localizer) (int, error) {
	// Escape the layout and what it calls by running it on no data: the
	// run itself fails at the first field, which is expected.
	_ = t.ExecuteTemplate(io.Discard, "layout", nil)
	n := 0
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Tree.Root == nil {
			continue
		}
		k, err := foldList(tt.Tree.Root, l)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// foldList folds the actions of list and of the lists within it.
func foldList(list *parse.ListNode, l *i18n.Localizer) (int, error) {
	if list == nil {
		return 0, nil
	}
	n := 0
	for i, node := range list.Nodes {
		var k int
		var err error
		switch node := node.(type) {
		case *parse.ActionNode:
			key, ok := constantTranslation(node.Pipe)
			if !ok {
				continue
			}
			var b strings.Builder
			if err := foldEscaper.Execute(&b, l.T(key)); err != nil {
				return n, err
			}
			list.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: node.Pos, Text: []byte(b.String())}
			k = 1
		case *parse.IfNode:
			k, err = foldBranch(&node.BranchNode, l)
		case *parse.RangeNode:
			k, err = foldBranch(&node.BranchNode, l)
		case *parse.WithNode:
			k, err = foldBranch(&node.BranchNode, l)
		}
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// foldBranch folds both lists of an if, range or with.
func foldBranch(b *parse.BranchNode, l *i18n.Localizer) (int, error) {
	n, err := foldList(b.List, l)
	if err != nil {
		return n, err
	}
	m, err := foldList(b.ElseList, l)
	return n + m, err
}

// constantTranslation reports whether pipe, as escaped, prints only the
// translation of a constant key as HTML text, and returns the key.
func constantTranslation(pipe *parse.PipeNode) (string, bool) {
	if pipe == nil || len(pipe.Decl) != 0 || len(pipe.Cmds) < 2 {
		return "", false
	}
	first := pipe.Cmds[0].Args
	if len(first) != 2 {
		return "", false
	}
	fn, ok := first[0].(*parse.IdentifierNode)
	key, ok2 := first[1].(*parse.StringNode)
	if !ok || !ok2 || fn.Ident != "t" {
		return "", false
	}
	for _, cmd := range pipe.Cmds[1:] {
		if len(cmd.Args) != 1 {
			return "", false
		}
		esc, ok := cmd.Args[0].(*parse.IdentifierNode)
		if !ok || !foldableEscapers[esc.Ident] {
			return "", false
		}
	}
	return key.Text, true
}
