package config

import (
	"flag"
	"fmt"
	"time"

	"shequ"
)

// Volunteer holds the settings of volunteer service (issue 17).
type Volunteer struct {
	// RemindBefore is how long before an opportunity starts its signed-up
	// volunteers are reminded; 0 is shequ.DefaultReminderLead (24h).
	RemindBefore time.Duration
}

// volunteerFromEnv reads SHEQU_VOLUNTEER_REMIND_BEFORE into c.
func volunteerFromEnv(getenv func(string) string, c *Config) error {
	if v := getenv("SHEQU_VOLUNTEER_REMIND_BEFORE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SHEQU_VOLUNTEER_REMIND_BEFORE=%q: want a duration such as 24h (环境变量取值应为时长，如 24h)", v)
		}
		c.Volunteer.RemindBefore = d
	}
	return nil
}

// bindServeVolunteer registers the volunteer flags of serve.
func (c *Config) bindServeVolunteer(fs *flag.FlagSet) {
	if c.Volunteer.RemindBefore == 0 {
		c.Volunteer.RemindBefore = shequ.DefaultReminderLead
	}
	fs.DurationVar(&c.Volunteer.RemindBefore, "volunteer-remind-before", c.Volunteer.RemindBefore, "how long before an opportunity starts its signed-up volunteers are reminded (env SHEQU_VOLUNTEER_REMIND_BEFORE)")
}

// validateVolunteer checks Volunteer (0 is the default).
func (c Config) validateVolunteer(add func(field, key, msg string, data map[string]any)) {
	if d := c.Volunteer.RemindBefore; d != 0 && (d < 10*time.Minute || d > 7*24*time.Hour) {
		add("volunteer_remind_before", "config.volunteer_remind_before", "-volunteer-remind-before: want 10m to 168h", nil)
	}
}
