package shequ

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Volunteer teams (志愿服务队, issue 17): a community or one of its social
// organizations keeps teams of registered volunteers around a focus (助老,
// 儿童关爱, 应急…). A volunteer may belong to several teams; each team has a
// leader (队长) who is one of its members, so the leader cannot leave the
// team before another member is named leader. Members are told when they
// are added to or removed from a team.

// Limits of a team.
const (
	MaxTeamName    = 100
	MaxTeamMembers = 300
	MaxTeamNote    = 500
)

// VolunteerTeam is a team (志愿服务队) organized by a community or by a
// social organization of it.
type VolunteerTeam struct {
	ID            string
	Name          string
	Community     string // the community it belongs to (12 digits)
	OrganizerKind OrganizerKind
	OrgID         string // OrganizerOrg: the organizing social organization
	OrgName       string // read only
	// Focus are the services the team gives (its 服务领域).
	Focus []VolunteerSkill
	// Note describes the team: where it serves, when it meets.
	Note string
	// Leader is the volunteer id of the leader (队长), one of Members.
	Leader     string
	LeaderName string // read only
	// Members are the volunteer ids of the members, leader included.
	Members     []string
	MemberCount int // read only
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate checks a team and returns every field error at once. That the
// members are registered volunteers is the store's check.
func (t *VolunteerTeam) Validate() error {
	var fe FieldErrors
	t.Name = strings.TrimSpace(t.Name)
	if n := utf8.RuneCountInString(t.Name); n < 2 || n > MaxTeamName {
		fe.Add("name", "team.name.invalid", "The name has 2 to 100 characters.", nil)
	}
	if len(t.Community) != 12 || ValidateDivisionCode(t.Community) != nil {
		fe.Add("community_code", "team.community.invalid", "Pick the community the team belongs to.", nil)
	}
	if !oneOf(t.OrganizerKind, OrganizerKinds) {
		fe.Add("organizer_kind", "team.organizer_kind.invalid", "Choose who organizes the team.", nil)
	}
	if t.OrganizerKind == OrganizerOrg && t.OrgID == "" {
		fe.Add("org_id", "team.org_id.required", "Pick the organization.", nil)
	}
	if t.OrganizerKind != OrganizerOrg {
		t.OrgID = ""
	}
	t.Focus = uniqueSorted(t.Focus, VolunteerSkills)
	for _, s := range t.Focus {
		if !oneOf(s, VolunteerSkills) {
			fe.Add("focus", "volunteer.skills.invalid", "Unknown skill.", map[string]any{"Value": string(s)})
			break
		}
	}
	if len(t.Focus) == 0 {
		fe.Add("focus", "team.focus.required", "Choose at least one service the team gives.", nil)
	}
	t.Note = strings.TrimSpace(t.Note)
	if utf8.RuneCountInString(t.Note) > MaxTeamNote {
		fe.Add("note", "team.note.long", "The description has at most 500 characters.", nil)
	}
	t.Members = uniqueIDs(t.Members)
	switch {
	case len(t.Members) == 0:
		fe.Add("members", "team.members.required", "Pick at least one member.", nil)
	case len(t.Members) > MaxTeamMembers:
		fe.Add("members", "team.members.many", "A team has at most 300 members.", map[string]any{"Max": MaxTeamMembers})
	}
	t.Leader = strings.TrimSpace(t.Leader)
	switch {
	case t.Leader == "":
		fe.Add("leader", "team.leader.required", "Pick the team's leader.", nil)
	case len(t.Members) > 0 && !slices.Contains(t.Members, t.Leader):
		fe.Add("leader", "team.leader.member", "The leader must be a member of the team.", nil)
	}
	return fe.Err()
}

// uniqueIDs trims ids, drops blanks and repeats, keeping the first order.
func uniqueIDs(in []string) []string {
	out := make([]string, 0, len(in))
	for _, id := range in {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CanRemoveMember refuses to remove the leader: another member must be
// named leader first.
func (t *VolunteerTeam) CanRemoveMember(volunteerID string) error {
	if volunteerID == t.Leader {
		return Errorf(EConflict, "team.member.leader", "The leader cannot leave the team: name another leader first.")
	}
	return nil
}

// TeamMember is a member of a team as its page lists them.
type TeamMember struct {
	VolunteerID string
	Name        string // masked for a reader who is not the team's keeper
	IDMasked    string
	Community   string
	Leader      bool
	JoinedAt    time.Time
}

// TeamFilter selects teams.
type TeamFilter struct {
	Community string
	OrgID     string
	Focus     VolunteerSkill
	Query     string
	Offset    int
	Limit     int
}

// VolunteerTeamService keeps volunteer teams and their members. Every
// change writes the team, its timeline event, the members' notifications
// and the audit record in one transaction.
type VolunteerTeamService interface {
	CreateTeam(ctx context.Context, t *VolunteerTeam) error
	// UpdateTeam saves a team whole: its fields and its members (those
	// left out are removed, the new ones added).
	UpdateTeam(ctx context.Context, t *VolunteerTeam) error
	FindTeamByID(ctx context.Context, id string) (*VolunteerTeam, error)
	FindTeams(ctx context.Context, f TeamFilter) ([]*VolunteerTeam, int, error)
	ImportTeams(ctx context.Context, ts []*VolunteerTeam) error
	// TeamMembers lists a team's members, the leader first.
	TeamMembers(ctx context.Context, teamID string) ([]*TeamMember, error)
	// AddTeamMember adds a registered volunteer to a team; adding a member
	// again changes nothing.
	AddTeamMember(ctx context.Context, teamID, volunteerID string) (*VolunteerTeam, error)
	// RemoveTeamMember removes a member (never the leader).
	RemoveTeamMember(ctx context.Context, teamID, volunteerID string) (*VolunteerTeam, error)
	// VolunteerTeams lists the teams a volunteer belongs to.
	VolunteerTeams(ctx context.Context, volunteerID string) ([]*VolunteerTeam, error)
}
