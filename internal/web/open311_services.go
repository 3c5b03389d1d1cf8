package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// open311Discovery answers discovery.xml|json (the Service Discovery page
// of the spec): one production endpoint, this server's /open311/v2, in XML
// and JSON.
func (s *Server) open311Discovery(w http.ResponseWriter, r *http.Request, format string) {
	l := s.localizer(r)
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	changed := open311Time(processStart)
	d := open311DiscoveryDoc{
		Changeset:  changed,
		Contact:    l.T("open311.contact"),
		KeyService: l.T("open311.key_service"),
		Endpoints: []open311Endpoint{{
			Specification: open311Spec,
			URL:           scheme + "://" + r.Host + "/open311/v2",
			Changeset:     changed,
			Type:          "production",
			Formats:       []string{"text/xml", "application/json"},
		}},
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeOpen311Object(w, http.StatusOK, format, "discovery", d)
}

// open311DiscoveryDoc is the discovery document.
type open311DiscoveryDoc struct {
	Changeset  string            `xml:"changeset" json:"changeset"`
	Contact    string            `xml:"contact" json:"contact"`
	KeyService string            `xml:"key_service" json:"key_service"`
	Endpoints  []open311Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

// open311Endpoint is one endpoint of the discovery document.
type open311Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// open311Time writes an instant as the spec wants it: ISO 8601 with the
// offset, here Asia/Shanghai's +08:00.
func open311Time(t time.Time) string {
	return t.In(shequ.Shanghai).Format("2006-01-02T15:04:05-07:00")
}

// open311Service is one entry of services.xml|json. Every item is
// "realtime": a request gets its service_request_id at once.
type open311Service struct {
	ServiceCode string `xml:"service_code" json:"service_code"`
	ServiceName string `xml:"service_name" json:"service_name"`
	Description string `xml:"description" json:"description"`
	Metadata    bool   `xml:"metadata" json:"metadata"`
	Type        string `xml:"type" json:"type"`
	Keywords    string `xml:"keywords" json:"keywords"`
	Group       string `xml:"group" json:"group"`
}

// open311Services answers services.xml|json: the active items of the
// catalogue that take online applications (Open311 is an online channel),
// the public 办事指南, so no api_key is needed.
func (s *Server) open311Services(w http.ResponseWriter, r *http.Request, format string) {
	items, err := s.cfg.ServiceItems.ListItems(r.Context(), "")
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	out := make([]open311Service, 0, len(items))
	for _, it := range items {
		if !it.Allows(shequ.ChannelOnline) {
			continue
		}
		out = append(out, open311Service{
			ServiceCode: it.Code,
			ServiceName: it.Name,
			Description: it.Conditions,
			Metadata:    len(it.Form) > 0,
			Type:        "realtime",
			Keywords:    strings.Join([]string{it.Category, it.Department}, ", "),
			Group:       it.Category,
		})
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeOpen311List(w, http.StatusOK, format, "services", "service", out)
}

// open311Definition is services/{code}.xml|json: the item's form as
// attributes.
type open311Definition struct {
	ServiceCode string             `xml:"service_code" json:"service_code"`
	Attributes  []open311Attribute `xml:"attributes>attribute" json:"attributes"`
}

// open311Attribute is one field of an item's form.
type open311Attribute struct {
	Variable            bool           `xml:"variable" json:"variable"`
	Code                string         `xml:"code" json:"code"`
	Datatype            string         `xml:"datatype" json:"datatype"`
	Required            bool           `xml:"required" json:"required"`
	DatatypeDescription string         `xml:"datatype_description" json:"datatype_description"`
	Order               int            `xml:"order" json:"order"`
	Description         string         `xml:"description" json:"description"`
	Values              []open311Value `xml:"values>value,omitempty" json:"values,omitempty"`
}

// open311Value is one answer of a list attribute.
type open311Value struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

// open311Datatypes maps the form's field types to the spec's datatypes.
var open311Datatypes = map[shequ.FieldType]string{
	shequ.FieldString:         "string",
	shequ.FieldNumber:         "number",
	shequ.FieldDatetime:       "datetime",
	shequ.FieldText:           "text",
	shequ.FieldSingleChoice:   "singlevaluelist",
	shequ.FieldMultipleChoice: "multivaluelist",
	// Phone and ID numbers are strings to Open311; the server checks them.
	shequ.FieldPhone:    "string",
	shequ.FieldIDNumber: "string",
}

// open311DatatypeDescription is the catalogue key describing a field's
// datatype to a client: a phone or an ID number is a string to Open311,
// described as what the server checks it to be, so a client can ask for it.
func open311DatatypeDescription(t shequ.FieldType) string {
	switch t {
	case shequ.FieldPhone:
		return "open311.datatype.phone"
	case shequ.FieldIDNumber:
		return "open311.datatype.id_number"
	}
	return "open311.datatype." + open311Datatypes[t]
}

// handleOpen311Service answers services/{code}.xml|json.
func (s *Server) handleOpen311Service(w http.ResponseWriter, r *http.Request) {
	code, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		s.open311Error(w, r, format, errOpen311Format)
		return
	}
	if !s.open311Ready(w, r, format) {
		return
	}
	it, err := s.cfg.ServiceItems.GetItem(r.Context(), code)
	if err == nil && !it.Allows(shequ.ChannelOnline) {
		// Not offered through Open311, as services.xml says.
		err = errOpen311Resource
	}
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	l := s.localizer(r)
	d := open311Definition{ServiceCode: it.Code, Attributes: []open311Attribute{}}
	for _, f := range it.SortedForm() {
		a := open311Attribute{Variable: true, Code: f.Code, Datatype: open311Datatypes[f.Type], Required: f.Required,
			DatatypeDescription: l.T(open311DatatypeDescription(f.Type)), Order: f.Order, Description: f.Label}
		if f.Description != "" {
			a.Description += l.T("open311.attribute.hint", map[string]any{"Hint": f.Description})
		}
		for _, c := range f.Choices {
			a.Values = append(a.Values, open311Value{Key: c.Key, Name: c.Label})
		}
		d.Attributes = append(d.Attributes, a)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeOpen311Object(w, http.StatusOK, format, "service_definition", d)
}
