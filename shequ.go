// Package shequ is the domain vocabulary of the community public service
// integrated information platform (社区公共服务综合信息平台): the types, enums
// with their message keys, validation rules, workflow tables, service
// interfaces and errors that every other package of the module speaks.
//
// It imports only the standard library. Storage lives in internal/sqlstore,
// HTTP in internal/web, and only cmd/shequ wires them together.
package shequ

import "time"

// Shanghai is the time zone in which times are shown to users. Times are
// stored in UTC. If the zone database is missing, a fixed UTC+8 zone is used,
// which is exact since China has not observed daylight saving since 1991.
var Shanghai = loadShanghai()

func loadShanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}
