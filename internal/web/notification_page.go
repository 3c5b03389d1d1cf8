package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"shequ"
)

// The notification centre (/notifications), where each notification leads
// (/notifications/{id}), the account's channels (/account/notifications)
// and the system administrator's dead-letter list (/admin/deliveries).

// notificationsPerPage is the length of a page of the centre.
const notificationsPerPage = 30

// notificationItem is a notification as the centre shows it.
type notificationItem struct {
	N    *shequ.Notification
	Text string // the message in the reader's language
}

// notificationsPage is the data of templates/notifications.html.
type notificationsPage struct {
	Items      []notificationItem
	Unread     int
	UnreadOnly bool
	Prev, Next string // paging links, "" at the ends
	Channels   bool   // external channels exist: link to the settings
}

// notes answers 503 when the notification centre is not wired in.
func (s *Server) notes(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Notifications == nil {
		s.error(w, r, errNoService)
		return false
	}
	return true
}

// handleNotifications serves GET /notifications: the signed-in account's
// notifications, newest first, all or unread (?unread=1), 30 a page.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.notes(w, r) {
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(1, min(page, 1000))
	p := &notificationsPage{UnreadOnly: q.Get("unread") == "1", Channels: len(s.cfg.NotifyChannels) > 0}
	list, unread, err := s.cfg.Notifications.FindNotifications(r.Context(), p.UnreadOnly, (page-1)*notificationsPerPage,
		notificationsPerPage+1)
	if err != nil {
		s.error(w, r, err)
		return
	}
	link := func(n int) string {
		v := url.Values{}
		if p.UnreadOnly {
			v.Set("unread", "1")
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/notifications"
		}
		return "/notifications?" + v.Encode()
	}
	if len(list) > notificationsPerPage {
		list, p.Next = list[:notificationsPerPage], link(page+1)
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	l := s.localizer(r)
	for _, n := range list {
		p.Items = append(p.Items, notificationItem{N: n,
			Text: l.T("notify."+n.Kind, map[string]any{"Subject": n.Subject, "Detail": n.Detail})})
	}
	p.Unread = unread
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "notifications", l.T("notify.title"), p)
}

// handleNotificationsRead serves POST /notifications/read.
func (s *Server) handleNotificationsRead(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.notes(w, r) {
		return
	}
	if err := s.cfg.Notifications.MarkNotificationsRead(r.Context()); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// handleNotificationOpen serves GET /notifications/{id}: marks it read and
// sends the reader to its object (the request, the delegation where they
// consent, the project, the need). Messages sent by e-mail and the webhook
// link here, so the link works whatever page the object moves to.
func (s *Server) handleNotificationOpen(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()) == nil {
		loginRedirect(w, r)
		return
	}
	if !s.notes(w, r) {
		return
	}
	n, err := s.cfg.Notifications.OpenNotification(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, notificationTarget(n), http.StatusSeeOther)
}

// notificationTarget is the page of a notification's object
// (notification_link.go), or the notification centre.
func notificationTarget(n *shequ.Notification) string {
	return objectPath(n.ObjectType, n.ObjectID)
}

// channelsPage is the data of templates/account_notifications.html.
type channelsPage struct {
	Prefs  []*shequ.ChannelPref // the configured channels only
	Langs  []string
	Posted map[string]string // after an error: the addresses posted, by channel
	Errors map[string]string
	Error  string
	Notice string
}

// handleChannels serves GET /account/notifications: the account's choice
// of channels besides the notification centre.
func (s *Server) handleChannels(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.notes(w, r) {
		return
	}
	p, err := s.channelsPage(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if r.URL.Query().Get("notice") == "saved" {
		p.Notice = s.localizer(r).T("notify.channels.saved")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "account_notifications", s.localizer(r).T("notify.channels.title"), p)
}

func (s *Server) channelsPage(r *http.Request) (*channelsPage, error) {
	all, err := s.cfg.Notifications.Channels(r.Context())
	if err != nil {
		return nil, err
	}
	p := &channelsPage{Langs: shequ.MessageLangs}
	for _, c := range all {
		if slices.Contains(s.cfg.NotifyChannels, c.Channel) {
			p.Prefs = append(p.Prefs, c)
		}
	}
	return p, nil
}

// handleChannelsSave serves POST /account/notifications: for each
// configured channel "<channel>_on", "<channel>_address" (blank keeps the
// stored one) and "<channel>_lang".
func (s *Server) handleChannelsSave(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.notes(w, r) || !s.readForm(w, r) {
		return
	}
	var prefs []*shequ.ChannelPref
	for _, ch := range s.cfg.NotifyChannels {
		prefs = append(prefs, &shequ.ChannelPref{Channel: ch, Enabled: r.PostForm.Get(ch+"_on") == "1",
			Address: r.PostForm.Get(ch + "_address"), Lang: r.PostForm.Get(ch + "_lang")})
	}
	if err := s.cfg.Notifications.SetChannels(r.Context(), prefs); err != nil {
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		p, lerr := s.channelsPage(r)
		if lerr != nil {
			s.error(w, r, lerr)
			return
		}
		// Show what was posted, not what is stored, beside the errors.
		p.Posted = map[string]string{}
		for _, c := range p.Prefs {
			for _, in := range prefs {
				if in.Channel == c.Channel {
					c.Enabled, c.Lang = in.Enabled, in.Lang
					p.Posted[c.Channel] = in.Address
				}
			}
		}
		l := s.localizer(r)
		p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "account_notifications", l.T("notify.channels.title"), p)
		return
	}
	http.Redirect(w, r, "/account/notifications?notice=saved", http.StatusSeeOther)
}

// deliveriesPage is the data of templates/deliveries.html.
type deliveriesPage struct {
	Items  []*shequ.Delivery
	Notice string
}

// handleDeliveries serves GET /admin/deliveries: the messages that could
// not be sent after every attempt (system administrators).
func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionDeliveryManage, s.cfg.Deliveries != nil); !ok {
		return
	}
	list, err := s.cfg.Deliveries.FailedDeliveries(r.Context(), 200)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &deliveriesPage{Items: list}
	if r.URL.Query().Get("notice") == "retried" {
		p.Notice = l.T("delivery.retried")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "deliveries", l.T("delivery.title"), p)
}

// handleDeliveryRetry serves POST /admin/deliveries/{id}/retry.
func (s *Server) handleDeliveryRetry(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionDeliveryManage, s.cfg.Deliveries != nil); !ok {
		return
	}
	if err := s.cfg.Deliveries.RetryDelivery(r.Context(), r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/deliveries?notice=retried", http.StatusSeeOther)
}
