package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"

	"shequ"
)

// A request's form may ask for personal data (a contact phone, an ID
// number, an address: fields whose FormField.PersonalKind is set). Those
// values never sit in the attrs column: they are sealed together as one
// JSON document in attrs_sealed (AES-GCM under the personal-data key, bound
// to the request), and every read hands them back masked by shequ.Mask. Only
// RevealRequest opens them in clear, for a reader with
// shequ.ActionResidentReveal over the request, audited "request.reveal".

// sealedValue is one personal field of the sealed document.
type sealedValue struct {
	Kind   shequ.Personal `json:"kind"`
	Values []string       `json:"values"`
}

// auditRequestReveal is the audit action of RevealRequest.
const auditRequestReveal = "request.reveal"

// errNoSealer answers a personal form value when no key is configured: it
// is refused rather than stored in clear.
var errNoSealer = shequ.Errorf(shequ.EUnavailable, "pii.unavailable",
	"Personal data cannot be stored: no personal-data key is configured.")

// requestAAD binds a request's sealed values to it.
func requestAAD(id string) string { return "service_request.attrs:" + id }

// splitPersonal returns the values of the item's plain fields and, apart,
// those of its personal fields.
func splitPersonal(item *shequ.ServiceItem, values map[string][]string) (map[string][]string, map[string]sealedValue) {
	plain := map[string][]string{}
	var personal map[string]sealedValue
	kinds := map[string]shequ.Personal{}
	for _, f := range item.Form {
		if k := f.PersonalKind(); k != "" {
			kinds[f.Code] = k
		}
	}
	for code, v := range values {
		if k, ok := kinds[code]; ok {
			if personal == nil {
				personal = map[string]sealedValue{}
			}
			personal[code] = sealedValue{Kind: k, Values: v}
			continue
		}
		plain[code] = v
	}
	return plain, personal
}

// sealPersonal seals a request's personal values ("" when there are none).
func (s *RequestService) sealPersonal(id string, personal map[string]sealedValue) (string, error) {
	if len(personal) == 0 {
		return "", nil
	}
	if s.sealer == nil {
		return "", errNoSealer
	}
	b, err := json.Marshal(personal)
	if err != nil {
		return "", shequ.Wrap(err, "encode personal values")
	}
	out, err := s.sealer.Seal(string(b), requestAAD(id))
	if err != nil {
		return "", shequ.Wrap(err, "seal personal values")
	}
	return out, nil
}

// openPersonal opens what sealPersonal made.
func (s *RequestService) openPersonal(id, sealed string) (map[string]sealedValue, error) {
	if sealed == "" {
		return nil, nil
	}
	if s.sealer == nil {
		return nil, errNoSealer
	}
	plain, err := s.sealer.Open(sealed, requestAAD(id))
	if err != nil {
		return nil, shequ.Wrap(err, "open personal values")
	}
	var out map[string]sealedValue
	if err := json.Unmarshal([]byte(plain), &out); err != nil {
		return nil, shequ.Wrap(err, "decode personal values")
	}
	return out, nil
}

// withPersonal returns values with the personal ones added, each masked
// by shequ.Mask unless revealed.
func withPersonal(values map[string][]string, personal map[string]sealedValue, revealed bool) map[string][]string {
	if len(personal) == 0 {
		return values
	}
	out := maps.Clone(values)
	if out == nil {
		out = map[string][]string{}
	}
	for code, p := range personal {
		vs := make([]string, len(p.Values))
		for i, v := range p.Values {
			vs[i] = shequ.Disclose(p.Kind, v, revealed)
		}
		out[code] = vs
	}
	return out
}

// maskSealed opens a request's sealed values and puts them, masked, into
// its Values: what every read returns.
func (s *RequestService) maskSealed(r *shequ.ServiceRequest, sealed string) error {
	personal, err := s.openPersonal(r.ID, sealed)
	if err != nil {
		return err
	}
	r.Values = withPersonal(r.Values, personal, false)
	return nil
}

// RevealRequest returns the request with its personal form values in
// clear. It needs ActionResidentReveal over the request (the community
// workers of its community), and is audited "request.reveal" (also when
// refused); a reader who may not reveal gets the same 404 or 403 as for
// any other object they may not see.
func (s *RequestService) RevealRequest(ctx context.Context, id string) (*shequ.ServiceRequest, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionResidentReveal, requestObject(r)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestReveal, objRequest, r.ID, r.Community)
	}
	var attrs, sealed string
	err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT attrs, attrs_sealed FROM service_requests WHERE id = ?`), r.ID).
		Scan(&attrs, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "read request values")
	}
	var plain map[string][]string
	if err := json.Unmarshal([]byte(attrs), &plain); err != nil {
		return nil, shequ.Wrap(err, "decode request values")
	}
	personal, err := s.openPersonal(r.ID, sealed)
	if err != nil {
		return nil, err
	}
	r.Values = withPersonal(plain, personal, true)
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		rec := s.db.newAudit(ctx, auditRequestReveal, objRequest, r.ID, r.Community, shequ.AuditAllowed)
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// auditRequestReseal is the audit action of ResealRequests.
const auditRequestReseal = "request.reseal"

// ResealRequests seals the personal form values of every request again
// under the sealer's current key, after a key rotation (`shequ keys
// rotate`), so that the old key can be retired: in batches of resealBatch
// requests that have such values, in id order, one transaction each,
// audited once per batch, each value written only if no server changed it
// meanwhile (resealTable). It returns the requests read and needs the
// console or ActionSecurityManage.
func (s *RequestService) ResealRequests(ctx context.Context, progress func(int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditRequestReseal, objRequest, "", "")
	}
	if s.sealer == nil {
		return 0, errNoSealer
	}
	return resealTable(ctx, s.db, s.sealer, sealedTableNamed("service_requests"), progress)
}
