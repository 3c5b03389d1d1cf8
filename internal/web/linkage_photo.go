package web

import (
	"io"
	"net/http"
	"net/url"

	"shequ"
)

// Photos of needs and activities: uploaded as multipart forms from the
// need and project pages, served to whoever may read the object (activity
// photos are not on the public page: people are on them).

// errPhotoSize answers a photo upload that is too large to read.
var errPhotoSize = shequ.Errorf(shequ.EInvalid, "facility.photo.size", "A photo has at most 5 MB.")

// readPhoto reads the "photo" file of a multipart form, bounded.
func readPhoto(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := parseMultipart(w, r, shequ.MaxPhotoBytes+64<<10, errPhotoSize); err != nil {
		return nil, err
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	file, _, err := formFile(r, "photo")
	if err != nil {
		return nil, shequ.Errorf(shequ.EInvalid, "import.file.missing", "Choose a file to upload.")
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, shequ.MaxPhotoBytes+1))
}

// handleNeedPhotoAdd serves POST /needs/{id}/photos.
func (s *Server) handleNeedPhotoAdd(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionNeedRead, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	id := pathID(r, "id")
	data, err := readPhoto(w, r)
	if err != nil && len(shequ.AsError(err).Fields) > 0 {
		// Bad text in the form (a file name with a bidi override): the
		// need page has no field to show it beside.
		s.error(w, r, err)
		return
	}
	if err == nil {
		err = s.cfg.Linkage.AddPhoto(r.Context(), &shequ.LinkagePhoto{ObjectType: "need", ObjectID: id, Data: data})
	}
	if err != nil {
		s.needFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/needs/"+url.PathEscape(id)+"?notice=photo", http.StatusSeeOther)
}

// handleActivityPhotoAdd serves POST /activities/{id}/photos; the form
// names its project to come back to.
func (s *Server) handleActivityPhotoAdd(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionActivityRecord, s.cfg.Linkage != nil); !ok {
		return
	}
	data, err := readPhoto(w, r)
	if err == nil {
		err = s.cfg.Linkage.AddPhoto(r.Context(), &shequ.LinkagePhoto{ObjectType: "activity", ObjectID: pathID(r, "id"), Data: data})
	}
	project := r.Form.Get("project_id") // read by readPhoto, if it could be
	if err != nil {
		if project == "" || len(project) > maxIDLen || shequ.CheckText(project, shequ.TextLine) != nil {
			s.error(w, r, err)
			return
		}
		r.SetPathValue("id", project)
		s.projectFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/projects/"+url.PathEscape(project)+"?notice=photo", http.StatusSeeOther)
}

// handleLinkagePhoto serves GET /needs/{id}/photos/{photo} and
// GET /activities/{id}/photos/{photo}.
func (s *Server) handleLinkagePhoto(objectType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.signedIn(w, r); !ok || !s.linkage(w, r) {
			return
		}
		photos, err := s.cfg.Linkage.FindPhotos(r.Context(), objectType, pathID(r, "id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, p := range photos {
			if p.ID == r.PathValue("photo") {
				w.Header().Set("Content-Type", p.ContentType)
				w.Header().Set("Cache-Control", "private, max-age=3600")
				_, _ = w.Write(p.Data)
				return
			}
		}
		s.error(w, r, shequ.ErrNotFound)
	}
}
