package web

import (
	"net/http"

	"shequ"
)

// residentRequest is the body of POST and PATCH /api/v1/residents. Absent
// fields are nil: PATCH leaves them as they are.
type residentRequest struct {
	Name          *string   `json:"name"`
	IDNumber      *string   `json:"id_number"`
	Phone         *string   `json:"phone"`
	CommunityCode *string   `json:"community_code"`
	HouseholdID   *string   `json:"household_id"`
	Relation      *string   `json:"relation"`
	Tags          *[]string `json:"tags"`
}

func (req residentRequest) input() shequ.ResidentInput {
	return shequ.ResidentInput{Name: req.Name, IDNumber: req.IDNumber, Phone: req.Phone, Community: req.CommunityCode,
		HouseholdID: req.HouseholdID, Relation: req.Relation, Tags: req.Tags}
}

// residentAPILimit bounds the page size of the resident list.
const (
	residentAPIDefaultLimit = 50
	residentAPIMaxLimit     = 200
)

// handleAPIResidentCreate serves POST /api/v1/residents.
func (s *Server) handleAPIResidentCreate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentWrite); !ok {
		return
	}
	var req residentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	res := &shequ.Resident{}
	now := s.now()
	if err := req.input().Apply(res, now); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Residents.CreateResident(r.Context(), res); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/residents/"+res.ID)
	writeJSON(w, http.StatusCreated, newResidentJSON(res, false, now))
}

// handleAPIResidentGet serves GET /api/v1/residents/{id}; ?reveal=1 asks
// for the numbers in clear, which needs the reveal permission (403
// otherwise) and is audited by the service.
func (s *Server) handleAPIResidentGet(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionResidentRead)
	if !ok {
		return
	}
	reveal := false
	switch r.URL.Query().Get("reveal") {
	case "", "0", "false":
	case "1", "true":
		reveal = true
	default:
		s.error(w, r, shequ.Errorf(shequ.EInvalid, "param.boolean", "reveal must be 1 or 0."))
		return
	}
	if reveal && !a.Can(shequ.ActionResidentReveal) {
		s.error(w, r, shequ.ErrForbidden)
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	res, err := s.cfg.Residents.FindResidentByID(r.Context(), id, reveal)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newResidentJSON(res, reveal, s.now()))
}

// handleAPIResidentList serves GET /api/v1/residents.
func (s *Server) handleAPIResidentList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionResidentRead)
	if !ok {
		return
	}
	q := r.URL.Query()
	now := s.now()
	rq, err := parseResidentQuery(q, a, now)
	if err != nil {
		s.error(w, r, err)
		return
	}
	limit, offset, err := parseLimitOffset(q, residentAPIDefaultLimit, residentAPIMaxLimit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, total, err := s.cfg.Residents.FindResidents(r.Context(), rq.filter(offset, limit))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, total, func(res *shequ.Resident) residentJSON { return newResidentJSON(res, false, now) })
}

// handleAPIResidentPatch serves PATCH /api/v1/residents/{id}.
func (s *Server) handleAPIResidentPatch(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentWrite); !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	var req residentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.cfg.Residents.UpdateResident(r.Context(), id, req.input())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newResidentJSON(res, false, s.now()))
}

// handleAPIResidentVerify serves POST /api/v1/residents/{id}/verify.
func (s *Server) handleAPIResidentVerify(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentVerify); !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	res, err := s.cfg.Residents.VerifyResident(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newResidentJSON(res, false, s.now()))
}
