package web

import (
	"bytes"
	"html/template"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"shequ"
)

// templateData maps every page to the type of the data its handlers give
// it (a pointer to a zero value). TestEveryTemplateExecuted fails for a
// page missing here, and for a page name a handler renders that is not
// here, so that a new page cannot skip the test.
var templateData = map[string]any{
	"account":               &accountPage{},
	"account_notifications": &channelsPage{},
	"account_verify":        &accountVerifyPage{},
	"appeals":               &appealsPage{},
	"audit":                 &auditPage{},
	"care_alert":            &careAlertPage{},
	"care_alerts":           &careAlertsPage{},
	"care_case":             &careCasePage{},
	"care_candidates":       &careCandidatesPage{},
	"care_case_form":        &careCaseFormPage{},
	"care_cases":            &careCasesPage{},
	"care_duties":           &careDutiesPage{},
	"care_glass":            &careGlassPage{},
	"care_policy":           &carePolicyPage{},
	"care_person":           &carePersonShowView{}, // the care register's show page with its extra part
	"care_referrals":        &careReferralsPage{},
	"care_report":           &careReportPage{},
	"care_track":            &careTrackPage{},
	"care_worklogs":         &careWorkLogsPage{},
	"care_visits":           &careVisitsPage{},
	"committee":             &committeePage{},
	"committee_form":        &committeeFormPage{},
	"committees":            &committeesPage{},
	"company":               &registerShowPage{}, // the property companies register's show page (Extra: templateExtras)
	"complaint":             &complaintPage{},
	"complaint_form":        &complaintFormPage{},
	"complaints":            &complaintsPage{},
	"coverage":              &coveragePage{},
	"coverage_map":          &mapPage{},
	"delegation":            &delegationPage{},
	"delegation_form":       &delegationForm{},
	"delegations":           &delegationsPage{},
	"deliveries":            &deliveriesPage{},
	"desk":                  &deskPage{},
	"divisions":             &divisionPage{},
	"epmc":                  &epmcPage{},
	"error":                 &errorView{},
	"estate":                &registerShowPage{}, // the estates register's show page (Extra: templateExtras)
	"facility":              &registerShowPage{}, // the facilities register's own show page
	"home":                  &homePage{},
	"household":             &householdPage{},
	"household_form":        &householdForm{},
	"indicators":            &indicatorPage{},
	"inspection":            &inspectionPage{},
	"inspection_form":       &inspectionFormPage{},
	"location_form":         &locationForm{},
	"login":                 &loginPage{},
	"login_code":            &loginCodePage{},
	"lookup":                &lookupPage{},
	"meeting":               &meetingPage{},
	"meeting_form":          &meetingFormPage{},
	"meetings":              &meetingsPage{},
	"need":                  &needPage{},
	"needs":                 &needsPage{},
	"notifications":         &notificationsPage{},
	"opportunities":         &opportunitiesPage{},
	"opportunity":           &opportunityPage{},
	"opportunity_edit":      &opportunityEditPage{},
	"password":              &passwordPage{},
	"project":               &projectPage{},
	"project_form":          &projectForm{},
	"projects":              &projectsPage{},
	"property":              &propertyOverview{},
	"property_settings":     &settingsPage{},
	"public_companies":      &publicCompaniesPage{},
	"public_company":        &publicCompanyPage{},
	"public_project":        &projectPage{},
	"receipt":               &receiptPage{},
	"rectifications":        &rectificationsPage{},
	"register":              &registerPage{},
	"register_form":         &registerFormPage{},
	"register_list":         &registerListPage{},
	"register_show":         &registerShowPage{},
	"request":               &requestPage{},
	"requests":              &requestsPage{},
	"resident":              &residentPage{},
	"resident_form":         &residentForm{},
	"resident_import":       &importPage{},
	"residents":             &residentsPage{},
	"search":                &searchPage{},
	"service":               &servicePage{},
	"service_preview":       &previewPage{},
	"services":              &servicesPage{},
	"siting":                &sitingPage{},
	"targets":               &targetsPage{},
	"track":                 &trackPage{},
	"two_factor":            &twoFactorPage{},
	"user_confirm":          &userConfirmPage{},
	"users":                 &usersPage{},
	"verify":                &verifyPage{},
	"volunteer_hub":         &volunteerHubPage{},
	"timebank":              &timebankPage{},
	"timebank_account":      &timebankAccountPage{},
	"course":                &registerShowPage{}, // the course register's show page (Extra: templateExtras)
	"workforce_member":      &registerShowPage{}, // the workforce register's show page (Extra: templateExtras)
	"workforce_ce":          &workforceCEPage{},
	"volunteer_team":        &registerShowPage{}, // the team register's show page (Extra: templateExtras)
	"volunteer_show":        &registerShowPage{}, // the volunteer register's show page (Extra: templateExtras)
}

// templateExtras gives, by page, the type of the Extra that a register's
// show page carries for that page (a pointer to a zero value): filled like
// the page's data, so that the page's own part is executed too.
var templateExtras = map[string]any{
	"company": &companyExtra{},
	"estate":  &estateExtra{},
	// Issue 17: the course and workforce member pages.
	"course":           &courseExtra{},
	"workforce_member": &workforceMemberExtra{},
	"volunteer_team":   &teamExtra{},
	"volunteer_show":   &volunteerTeamsExtra{},
}

// carePersonShowView is the care register's show page as its handler
// gives it: a registerShowPage whose Extra is a *carePersonExtra (the
// field shadows the embedded one, so that the filled view fills it).
type carePersonShowView struct {
	registerShowPage
	Extra *carePersonExtra
}

// templateFragments are the partials handlers render alone (htmx swaps),
// by page.
var templateFragments = map[string][]string{
	"divisions": {"children"},
	"search":    {"search_results"},
	"needs":     {"need_similar"},
}

// renderCallRE finds the page names handlers render and the fragments
// they swap.
var (
	renderCallRE   = regexp.MustCompile(`s\.render\(w, r, [^,]+, "([a-z_]+)"`)
	fragmentCallRE = regexp.MustCompile(`s\.renderFragment\(w, r, "([a-z_]+)", "([a-z_]+)"`)
)

// TestEveryTemplateExecuted executes every page, and every fragment a
// handler renders alone, in every language with an empty view (zero data,
// nobody signed in) and a filled one (every field set, every list with an
// element, signed in). html/template checks a template's escaping contexts
// only when it first executes, so a page that parses can still fail the
// first time someone opens it (/projects did, for everyone); here it fails
// at once.
func TestEveryTemplateExecuted(t *testing.T) {
	s := newTestServer(t, nil)
	for page := range pageFiles {
		if _, ok := templateData[page]; !ok {
			t.Errorf("page %q has no entry in templateData: add the type its handlers render", page)
		}
	}
	// The handlers' own calls: a page or fragment rendered but not listed
	// here would escape the test.
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range renderCallRE.FindAllSubmatch(src, -1) {
			if _, ok := templateData[string(m[1])]; !ok {
				t.Errorf("%s renders page %q, which templateData lacks", f.Name(), m[1])
			}
		}
		for _, m := range fragmentCallRE.FindAllSubmatch(src, -1) {
			if !slices.Contains(templateFragments[string(m[1])], string(m[2])) {
				t.Errorf("%s renders fragment %q of %q, which templateFragments lacks", f.Name(), m[2], m[1])
			}
		}
	}
	user := &shequ.User{ID: "01a20000-0000-7000-8000-000000000001", Username: "worker", Name: "王芳",
		Role: shequ.RoleCommunityWorker, Scope: "330523001002"}
	for _, lang := range s.cat.Languages() {
		for page, proto := range templateData {
			typ := reflect.TypeOf(proto).Elem()
			for _, filled := range []bool{false, true} {
				data := reflect.New(typ)
				v := &view{Lang: lang, Version: testVersion, Title: "t", Return: "/", Data: data.Interface()}
				name := "empty"
				fill(data.Elem(), 0, false)
				if filled {
					name = "filled"
					fill(data.Elem(), 0, true)
					v.User, v.Unread, v.Large, v.Q = user, 3, true, "x"
				}
				if proto, ok := templateExtras[page]; ok {
					x := reflect.New(reflect.TypeOf(proto).Elem())
					fill(x.Elem(), 0, filled)
					data.Elem().FieldByName("Extra").Set(x)
				}
				tm, err := s.tmpl.page(lang, page)
				if err != nil {
					t.Errorf("%s/%s: not parsed: %v", lang, page, err)
					continue
				}
				for _, tpl := range append([]string{"layout"}, templateFragments[page]...) {
					var b bytes.Buffer
					if err := tm.ExecuteTemplate(&b, tpl, v); err != nil {
						t.Errorf("%s/%s %s (%s view): %v", lang, page, tpl, name, err)
					} else if b.Len() == 0 && (tpl == "layout" || filled) {
						t.Errorf("%s/%s %s (%s view): empty output", lang, page, tpl, name)
					}
				}
			}
		}
	}
}

// fillTime is the instant every time field of a filled view gets.
var fillTime = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)

// fill sets the fields of v. Filled (all), every field gets a plausible
// non-zero value: text "x", numbers 1, true, one element in each list and
// map, a value behind each pointer, down to a few levels (the data are
// trees). Empty (all false), only pointers get a value, zero itself: a
// record with nothing in it, as a page shows a record just created.
// Unexported embedded structs (requestRow in requestPage) are filled too:
// templates reach their exported fields.
func fill(v reflect.Value, depth int, all bool) {
	if depth > 6 {
		return
	}
	if !v.CanSet() {
		if !v.CanAddr() {
			return
		}
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1, all)
		v.Set(p)
		return
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			if all {
				v.Set(reflect.ValueOf(fillTime))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() || f.Anonymous {
				fill(v.Field(i), depth+1, all)
			}
		}
		return
	}
	if !all {
		return
	}
	switch v.Interface().(type) {
	case template.HTML:
		v.Set(reflect.ValueOf(template.HTML("<b>x</b>")))
		return
	case template.URL:
		v.Set(reflect.ValueOf(template.URL("/x")))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1, all)
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i), depth+1, all)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, depth+1, all)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, depth+1, all)
		m.SetMapIndex(k, e)
		v.Set(m)
	}
}
