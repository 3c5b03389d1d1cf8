package shequ

import (
	"context"
	"errors"
	"slices"
	"time"
)

// 三社联动 (DESIGN §1, module 5): residents raise needs, a community designs a
// project from them, social organizations bid for it, reviewers score the
// bids, the winner's social workers carry it out with residents, and the
// parties evaluate it in the open. The types of each step live in need.go,
// project.go, bid.go and activity.go; this file holds what they share: the
// transition check, the timeline, notifications and the service interface.

// transitionError is the EConflict answer to an illegal transition: it names
// the current state and the states allowed from it (DESIGN §6), as labels
// of the catalogue entries object + ".status.<state>", so that the message
// reads 当前状态为“已退回” while the API keeps the identifiers
// (TransitionDetail).
func transitionError[S ~string](object string, from, to S, allowed []S) error {
	prefix := object + ".status"
	labels := make(Labels, len(allowed))
	for i, s := range allowed {
		labels[i] = Label{prefix, string(s)}
	}
	return Errorf(EConflict, "transition.illegal",
		"A %s in state %s cannot go to %s; allowed: %s.", object, from, to, labels).
		With(map[string]any{"Object": object, "From": Label{prefix, string(from)}, "To": Label{prefix, string(to)},
			"Allowed": labels})
}

// TransitionDetail returns the current state and the allowed ones of an
// illegal transition error, as identifiers; ok is false for other errors.
func TransitionDetail(err error) (current string, allowed []string, ok bool) {
	var e *Error
	if !errors.As(err, &e) || e.Key != "transition.illegal" {
		return "", nil, false
	}
	from, _ := e.Data["From"].(Label)
	list, _ := e.Data["Allowed"].(Labels)
	return from.Value, list.Values(), true
}

// checkTransition checks to against a transition table.
func checkTransition[S ~string](object string, table map[S][]S, from, to S) error {
	if slices.Contains(table[from], to) {
		return nil
	}
	return transitionError(object, from, to, table[from])
}

// TimelineEvent is one entry of an object's history: who did what, when,
// and from which state to which (states empty when the event changed none).
type TimelineEvent struct {
	ID         string
	ObjectType string // "need", "project", "bid"
	ObjectID   string
	Division   string
	ActorID    string
	ActorName  string
	Action     string // e.g. "need.create", "project.transition"
	From, To   string
	Note       string
	Time       time.Time
}

// LinkageService runs the 三社联动 chain. Every write is authorized
// (Authorize with the linkage actions, scope = the community), validated,
// and commits the change, its timeline event, its notifications and its
// audit record in one transaction.
type LinkageService interface {
	NeedService
	ProjectService
	BidService
	ExecutionService
	PhotoService

	// Timeline returns the history of an object, oldest first.
	Timeline(ctx context.Context, objectType, id string) ([]*TimelineEvent, error)
	// FindNotifications returns the signed-in account's latest
	// notifications and the number still unread.
	FindNotifications(ctx context.Context, limit int) ([]*Notification, int, error)
	// CountUnread returns the number of unread notifications of the
	// signed-in account (0 when nobody is signed in).
	CountUnread(ctx context.Context) (int, error)
	// MarkNotificationsRead marks all of the account's notifications read.
	MarkNotificationsRead(ctx context.Context) error
}

// LinkagePhoto is a photo of a need or of an activity.
type LinkagePhoto struct {
	ID          string
	ObjectType  string // "need" or "activity"
	ObjectID    string
	ContentType string // image/jpeg, image/png or image/webp
	Data        []byte
	CreatedAt   time.Time
}

// PhotoService keeps the photos of needs (added by their author or a
// worker who manages needs) and of activities (added by the winning team).
type PhotoService interface {
	AddPhoto(ctx context.Context, p *LinkagePhoto) error
	// FindPhotos returns the photos of an object the actor may read.
	FindPhotos(ctx context.Context, objectType, objectID string) ([]*LinkagePhoto, error)
}
