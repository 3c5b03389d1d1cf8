package sqlstore

import (
	"shequ"
)

// The training rows of the authorization matrix (issue 17): recording a
// course attendance, reading the continuing-education list, and the
// continuing-education sweep, which is system work no account may run.
// The columns' members are those of the volunteer fixture (vol).
func init() { authzOps = append(authzOps, authzWorkforceOps...) }

var authzWorkforceOps = []authzOp{
	{
		name: "course.attendance", action: shequ.ActionWorkforceWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			v := c.fx.vol(c.t)
			comm := communityFor(c.col)
			course := &shequ.Course{Title: "政策法规培训", Organizer: "民政局", Community: comm, Topic: shequ.TopicPolicy,
				Day: parseDay("2026-11-20"), Minutes: 120}
			mustDo(c.t, v.wf.CreateCourse(cliContext(), course))
			return v.wf.RecordAttendance(c.ctx, &shequ.Attendance{CourseID: course.ID, MemberID: v.members[comm].ID})
		},
	},
	{
		name: "workforce.ce", action: shequ.ActionWorkforceRead, cols: inOut,
		want: perRole{"FF", "AN", "FF", "AN", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			_, err := c.fx.vol(c.t).wf.ContinuingEducation(c.ctx, communityFor(c.col), false)
			return err
		},
	},
	{
		name: "workforce.ce_sweep", action: shequ.ActionWorkforceWrite, write: true, cols: inOnly,
		want: perRole{"F", "F", "F", "F", "F", "F", "F", "F", "F"},
		run: func(c *authzCase) error {
			_, err := c.fx.vol(c.t).wf.CESweep(c.ctx)
			return err
		},
	},
}
