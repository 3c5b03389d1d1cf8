package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"shequ"
)

// A resident's online application in three steps (issue 13): the item's
// page has the form with the guide's checklist beside it (service.html);
// "下一步" posts it to /services/{code}/preview, which checks the form and
// shows what will be filed, a warning when the resident already has an
// open request for the item, and a file input per material of the
// checklist; "确认提交" posts the values and the files to
// /services/{code}/apply, which checks both again (every required field and
// every required material) and files the request with its materials. An
// empty form cannot be filed in one click: the form refuses it, and so does
// apply without the required materials.
//
// A request put into 待补正 is completed on its own page: the resident (or
// the window) uploads what is missing and presses 提交补正
// (/requests/{id}/supplement).

// maxMaterials bounds the files of one application: the checklists of the
// catalogue have at most a handful of materials.
const maxMaterials = 12

// previewValue is a field of the form with its value as people read it.
type previewValue struct {
	Code   string
	Label  string
	Values []string // as posted (normalized), for the hidden inputs
	Shown  string   // choice labels instead of keys
}

// previewPage is the data of templates/service_preview.html.
type previewPage struct {
	Item       *shequ.ServiceItem
	Values     []previewValue
	Describe   string
	Duplicates []requestRow // the resident's open requests of the item
	Errors     map[string]string
	Error      string
}

// handleServicePreview serves POST /services/{code}/preview: the second
// step of an online application.
func (s *Server) handleServicePreview(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionRequestSubmit, s.cfg.Requests != nil && s.cfg.ServiceItems != nil); !ok {
		return
	}
	it, err := s.cfg.ServiceItems.GetItem(r.Context(), r.PathValue("code"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	values, describe := formValues(it, r.PostForm), r.PostForm.Get("description")
	if r.PostForm.Get("edit") == "1" {
		// 返回修改: the form again, with what was entered.
		p := s.newServicePage(r, it)
		p.Values, p.Describe = values, describe
		s.renderService(w, r, http.StatusOK, p)
		return
	}
	norm, err := s.checkApplication(it, values, describe)
	if err != nil {
		s.applyFormError(w, r, it, values, describe, err)
		return
	}
	p, err := s.newPreviewPage(r, it, norm, describe)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "service_preview", s.localizer(r).T("apply.preview.title", map[string]any{"Item": it.Name}), p)
}

// checkApplication checks the form's values and the description, all
// errors at once, and returns the normalized values.
func (s *Server) checkApplication(it *shequ.ServiceItem, values map[string][]string, describe string) (map[string][]string, error) {
	if !it.Allows(shequ.ChannelOnline) {
		return nil, shequ.Errorf(shequ.EConflict, "request.channel.closed", "This item cannot be applied for online.")
	}
	norm, verr := it.CheckValues(values, s.now())
	in := &shequ.RequestInput{ItemCode: it.Code, Channel: shequ.ChannelOnline, Description: describe}
	ierr := in.Validate()
	if verr == nil && ierr == nil {
		return norm, nil
	}
	var fe shequ.FieldErrors
	for _, err := range []error{verr, ierr} {
		if err != nil {
			fe = append(fe, shequ.AsError(err).Fields...)
		}
	}
	return nil, fe.Err()
}

// applyFormError shows the item's page again with the form's errors.
func (s *Server) applyFormError(w http.ResponseWriter, r *http.Request, it *shequ.ServiceItem, values map[string][]string, describe string, err error) {
	if shequ.ErrorCode(err) != shequ.EInvalid {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := s.newServicePage(r, it)
	p.Values, p.Describe = values, describe
	p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
	s.renderService(w, r, http.StatusBadRequest, p)
}

// newPreviewPage builds the preview of values, with the resident's open
// requests of the same item.
func (s *Server) newPreviewPage(r *http.Request, it *shequ.ServiceItem, values map[string][]string, describe string) (*previewPage, error) {
	p := &previewPage{Item: it, Describe: strings.TrimSpace(describe), Errors: map[string]string{}}
	for _, f := range it.SortedForm() {
		v := values[f.Code]
		if len(v) == 0 {
			continue
		}
		shown := make([]string, len(v))
		for i, x := range v {
			shown[i] = x
			for _, c := range f.Choices {
				if c.Key == x {
					shown[i] = c.Label
				}
			}
		}
		p.Values = append(p.Values, previewValue{Code: f.Code, Label: f.Label, Values: v, Shown: strings.Join(shown, "、")})
	}
	// A resident's Find lists their own requests only.
	dups, err := s.openRequestsOf(r, it.Code, "")
	if err != nil {
		return nil, err
	}
	p.Duplicates = s.rows(r, dups)
	return p, nil
}

// openRequestsOf lists the open requests of an item of a resident (""
// for the signed-in resident's own), newest first, at most five: the
// warning before filing a duplicate, online and at the window.
func (s *Server) openRequestsOf(r *http.Request, itemCode, residentID string) ([]*shequ.ServiceRequest, error) {
	var open []shequ.RequestState
	for _, st := range shequ.RequestStates {
		if st.Open() {
			open = append(open, st)
		}
	}
	list, _, err := s.cfg.Requests.Find(r.Context(), shequ.RequestFilter{ItemCode: itemCode, ResidentID: residentID,
		States: open, Limit: 5, OrderByCreated: true})
	return list, err
}

// handleServiceApply serves POST /services/{code}/apply (multipart): the
// values of the preview and a file per material; it files the request and
// stores its materials, then shows the receipt.
func (s *Server) handleServiceApply(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestSubmit,
		s.cfg.Requests != nil && s.cfg.ServiceItems != nil && s.cfg.RequestIntake != nil); !ok {
		return
	}
	it, err := s.cfg.ServiceItems.GetItem(r.Context(), r.PathValue("code"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	n := min(len(it.Materials), maxMaterials)
	// Multipart with the materials, or a form posted without files.
	if !s.readFormMax(w, r, int64(n)*shequ.MaxAttachmentSize+256<<10) {
		return
	}
	values, describe := formValues(it, r.PostForm), r.PostForm.Get("description")
	norm, err := s.checkApplication(it, values, describe)
	if err != nil {
		s.applyFormError(w, r, it, values, describe, err)
		return
	}
	files, err := materialFiles(r, n)
	if err == nil {
		err = it.CheckMaterials(files)
	}
	if err != nil {
		p, perr := s.newPreviewPage(r, it, norm, describe)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		l := s.localizer(r)
		p.Errors, p.Error = fieldMessages(l, err), l.T("apply.materials.errors")
		s.render(w, r, http.StatusBadRequest, "service_preview", l.T("apply.preview.title", map[string]any{"Item": it.Name}), p)
		return
	}
	q, err := s.cfg.Requests.Submit(r.Context(), &shequ.RequestInput{ItemCode: it.Code, Channel: shequ.ChannelOnline,
		Values: norm, Description: describe})
	if err != nil {
		s.applyFormError(w, r, it, values, describe, err)
		return
	}
	if len(files) > 0 {
		if err := s.cfg.RequestIntake.AttachMaterials(r.Context(), q.ID, files); err != nil {
			s.error(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(q.ID)+"/receipt", http.StatusSeeOther)
}

// materialFiles reads the files "material_<i>" of the first n materials,
// sniffing their types; an empty input is no file.
func materialFiles(r *http.Request, n int) ([]*shequ.MaterialUpload, error) {
	var out []*shequ.MaterialUpload
	if r.MultipartForm == nil {
		return nil, nil
	}
	for i := range n {
		for _, hdr := range r.MultipartForm.File[shequ.MaterialField(i)] {
			if hdr.Size == 0 && hdr.Filename == "" {
				continue
			}
			f, err := hdr.Open()
			if err != nil {
				return nil, errBadForm
			}
			data, err := io.ReadAll(io.LimitReader(f, shequ.MaxAttachmentSize+1))
			f.Close()
			if err != nil {
				return nil, errBadForm
			}
			ctype := http.DetectContentType(data)
			if j := strings.IndexByte(ctype, ';'); j >= 0 {
				ctype = ctype[:j]
			}
			out = append(out, &shequ.MaterialUpload{Material: i, Name: hdr.Filename, ContentType: ctype, Data: data})
		}
	}
	return out, nil
}

// handleRequestSupplement serves POST /requests/{id}/supplement: 提交补正,
// by the resident or the window; the page then says the clock runs again
// and until when.
func (s *Server) handleRequestSupplement(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionRequestSupplement, s.cfg.Requests != nil && s.cfg.RequestIntake != nil); !ok {
		return
	}
	id := r.PathValue("id")
	_, err := s.cfg.RequestIntake.Supplement(r.Context(), id, r.PostForm.Get("note"))
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		p, lerr := s.loadRequestPage(r)
		if lerr != nil {
			s.error(w, r, lerr)
			return
		}
		l := s.localizer(r)
		p.Errors, p.Error = fieldMessages(l, err), l.Error(e)
		if msg, ok := p.Errors["file"]; ok {
			p.Error = msg
		}
		s.render(w, r, statusByCode[e.Code], "request", l.T("request.title", map[string]any{"Number": p.R.Number}), p)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(id)+"?notice=supplemented", http.StatusSeeOther)
}
