package shequ

import (
	"context"
	"strconv"
)

// Online intake and 补正 (issue 13). A resident applies in three steps: the
// form, with the guide's checklist of materials beside it; a preview of
// what will be filed, where the materials are uploaded and a warning shows
// when they already have an open request for the same item; and the
// confirmation, which files the request with its materials. Once filed, a
// request put into 待补正 is completed by uploading what is missing and
// handing it in (Supplement), which resumes the SLA clock.

// RequestIntake is the intake's side of the requests beside RequestService.
type RequestIntake interface {
	// Supplement hands in the missing materials of a request awaiting
	// them (提交补正) and resumes it: the resident on their own request,
	// having uploaded at least one file since it was paused, or a worker
	// for them at the window. The due date moves on by the working days it
	// waited; the worker who asked is told.
	Supplement(ctx context.Context, id, note string) (*ServiceRequest, error)
	// AttachMaterials stores the files of an online application with the
	// request just filed, all or none.
	AttachMaterials(ctx context.Context, id string, files []*MaterialUpload) error
}

// MaterialUpload is a file handed in for one material of the checklist at
// application time.
type MaterialUpload struct {
	Material    int // index in the item's Materials
	Name        string
	ContentType string // sniffed
	Data        []byte
}

// MaterialField is the form field of the i-th material of a checklist.
func MaterialField(i int) string { return "material_" + strconv.Itoa(i) }

// CheckMaterials checks the files of an online application against the
// item's checklist: every file is acceptable (CheckAttachment), names a
// material of the list, and every required material has a file. Errors
// are keyed by MaterialField.
func (it *ServiceItem) CheckMaterials(files []*MaterialUpload) error {
	var fe FieldErrors
	have := map[int]bool{}
	for _, f := range files {
		if f.Material < 0 || f.Material >= len(it.Materials) {
			fe.Add("materials", "request.material.unknown", "A file names no material of the checklist.", nil)
			continue
		}
		if err := CheckAttachment(f.Name, f.ContentType, len(f.Data)); err != nil {
			for _, e := range AsError(err).Fields {
				fe.Add(MaterialField(f.Material), e.Key, e.Message, e.Data)
			}
			continue
		}
		have[f.Material] = true
	}
	for i, m := range it.Materials {
		if m.Required && !have[i] {
			fe.Add(MaterialField(i), "request.material.required", "Upload this required material.",
				map[string]any{"Name": m.Name})
		}
	}
	return fe.Err()
}
