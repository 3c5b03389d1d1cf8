package main

import (
	"context"
	"log/slog"
	"time"

	"shequ"
	"shequ/internal/sqlstore"
)

// wireEngines connects the services' change hooks to the in-memory engines
// of this process and publishes each change on the change feed, and tells
// the feed how to apply the other servers' changes here: the same refresh,
// without publishing again.
func (s *services) wireEngines(log *slog.Logger) {
	// One copy of the division names for both engines: the coverage
	// engine names divisions through the indicator engine's (issue 18).
	s.coverage.Names = s.indicators
	// refresh brings the indicator figures of communities up to date: the
	// registers' ("" module) or one module's. Before Load (command-line
	// work) the engine has nothing to refresh and says so with
	// EUnavailable, which is not worth a log line.
	refresh := func(module string, communities ...string) {
		var err error
		if module == "" {
			err = s.indicators.Refresh(context.Background(), communities...)
		} else {
			err = s.indicators.RefreshModule(context.Background(), module, communities...)
		}
		if err != nil && shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh indicators", "module", module, "communities", len(communities), "err", err)
		}
	}
	refreshTargets := func() {
		if err := s.indicators.RefreshTargets(context.Background()); err != nil && shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh indicator targets", "err", err)
		}
	}
	// changed refreshes here and publishes for the other servers.
	changed := func(module string) func(communities ...string) {
		return func(communities ...string) {
			refresh(module, communities...)
			s.feed.Publish(sqlstore.ChangeIndicators, append([]string{module}, communities...)...)
		}
	}
	s.orgs.OnChange, s.workers.OnChange, s.linkage.OnChange = changed(""), changed(""), changed("")
	s.care.OnChange = changed("care")
	s.property.OnChange = changed("property")
	s.volunteers.OnChange, s.workforce.OnChange = changed("volunteer"), changed("workforce")
	// A resident created, imported or moved changes the residents count
	// behind the volunteers per 1,000 residents.
	s.residents.OnChange = changed("volunteer")
	// Request changes refresh the "services" figures of their communities,
	// gathered over 200 ms (see coalescer), and are published so gathered.
	s.requestChanges = newCoalescer(200*time.Millisecond, changed("services"))
	s.requests.OnChange = s.requestChanges.Add
	// Facility and location edits update coverage incrementally, and
	// coverage hands the communities whose figures moved to the indicators.
	s.facilities.OnChange = func(now, before *shequ.Facility) {
		s.coverage.FacilityChanged(now, before)
		s.feed.Publish(sqlstore.ChangeFacility, now.ID)
	}
	s.locations.OnChange = func(c *shequ.CommunityLocation) {
		s.locationMu.Lock()
		s.indicators.SetTerrain(c.Code, c.Terrain)
		s.coverage.CommunityChanged(c)
		s.locationMu.Unlock()
		s.feed.Publish(sqlstore.ChangeLocation, c.Code)
	}
	s.coverage.OnChange = func(communities ...string) { refresh("facilities", communities...) }
	s.targets.OnChange = func() {
		refreshTargets()
		s.feed.Publish(sqlstore.ChangeTargets)
	}

	// Another server's changes: read what changed from the database.
	s.feed.Apply = func(ctx context.Context, c sqlstore.Change) {
		ctx = cliContext(ctx)
		switch c.Kind {
		case sqlstore.ChangeIndicators:
			if len(c.Keys) > 0 {
				refresh(c.Keys[0], c.Keys[1:]...)
			}
		case sqlstore.ChangeTargets:
			refreshTargets()
		case sqlstore.ChangeFacility:
			for _, id := range c.Keys {
				f, err := s.facilities.FindFacilityByID(ctx, id)
				if err != nil {
					log.Error("reload a facility changed by another server", "id", id, "err", err)
					continue
				}
				s.coverage.FacilityReloaded(f)
			}
		case sqlstore.ChangeLocation:
			s.locationMu.Lock()
			defer s.locationMu.Unlock()
			for _, code := range c.Keys {
				locs, err := s.locations.FindCommunityLocations(ctx, code)
				if err != nil {
					log.Error("reload a location changed by another server", "community", code, "err", err)
					continue
				}
				for _, l := range locs {
					if l.Code == code {
						s.indicators.SetTerrain(l.Code, l.Terrain)
						s.coverage.CommunityChanged(l)
					}
				}
			}
		}
	}
	// Changes pruned before this server read them: load everything again.
	s.feed.OnResync = func(ctx context.Context) error {
		log.Warn("the change feed was pruned past this server's position; reloading the engines")
		if err := s.coverage.Load(ctx); err != nil {
			return err
		}
		if err := s.indicators.Load(ctx); err != nil {
			return err
		}
		s.engineBase.Store(s.db.Now().UnixNano())
		s.unreconciled.Store(false)
		return nil
	}
}
