// Package geo is the in-memory spatial engine behind facility coverage and
// siting: great-circle distances, GCJ-02 conversion, a grid index of
// facilities, radius coverage of communities with incremental updates, and
// greedy maximum-coverage siting. It is pure computation over the standard
// library so that results never depend on PostGIS or any store.
package geo

import "math"

// EarthRadius is the mean Earth radius in metres (IUGG R1). All distances in
// this package are great-circle distances on a sphere of this radius.
const EarthRadius = 6371008.8

// Point is a WGS-84 position in decimal degrees.
type Point struct {
	Lat, Lng float64
}

const degToRad = math.Pi / 180

// Distance returns the great-circle distance between a and b in metres, by
// the haversine formula, which stays accurate for the short distances that
// service radii deal with.
func Distance(a, b Point) float64 {
	φ1, φ2 := a.Lat*degToRad, b.Lat*degToRad
	dφ := φ2 - φ1
	dλ := (b.Lng - a.Lng) * degToRad
	s1, s2 := math.Sin(dφ/2), math.Sin(dλ/2)
	h := s1*s1 + math.Cos(φ1)*math.Cos(φ2)*s2*s2
	if h > 1 {
		h = 1
	}
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// vec is a point on the unit sphere. Hot loops compare squared chord lengths
// between vecs instead of calling Distance: the chord is monotonic in the
// arc, so the comparison is equivalent and costs a few multiplications.
type vec struct{ x, y, z float64 }

func toVec(p Point) vec {
	φ, λ := p.Lat*degToRad, p.Lng*degToRad
	c := math.Cos(φ)
	return vec{c * math.Cos(λ), c * math.Sin(λ), math.Sin(φ)}
}

func chord2(a, b vec) float64 {
	dx, dy, dz := a.x-b.x, a.y-b.y, a.z-b.z
	return dx*dx + dy*dy + dz*dz
}

// chord2For converts a great-circle distance in metres into the squared
// chord on the unit sphere, the threshold used with chord2.
func chord2For(metres float64) float64 {
	θ := metres / EarthRadius
	if θ >= math.Pi {
		return 4
	}
	c := 2 * math.Sin(θ/2)
	return c * c
}

// arcFromChord2 converts a squared chord back into metres.
func arcFromChord2(c2 float64) float64 {
	c := math.Sqrt(c2) / 2
	if c > 1 {
		c = 1
	}
	return 2 * EarthRadius * math.Asin(c)
}

// Constants of the public GCJ-02 ("Mars coordinates") obfuscation: the
// Krasovsky 1940 ellipsoid it is built on.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
)

// outOfChina is the customary rectangle outside which GCJ-02 equals WGS-84.
func outOfChina(p Point) bool {
	return p.Lng < 72.004 || p.Lng > 137.8347 || p.Lat < 0.8293 || p.Lat > 55.8271
}

func gcjTransformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjTransformLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// WGSToGCJ converts a WGS-84 point to GCJ-02, the datum of Chinese web maps
// (AMap, Tencent). Outside China the transform is the identity.
func WGSToGCJ(p Point) Point {
	if outOfChina(p) {
		return p
	}
	dLat := gcjTransformLat(p.Lng-105.0, p.Lat-35.0)
	dLng := gcjTransformLng(p.Lng-105.0, p.Lat-35.0)
	radLat := p.Lat * degToRad
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = (dLng * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return Point{Lat: p.Lat + dLat, Lng: p.Lng + dLng}
}

// GCJToWGS converts a GCJ-02 point back to WGS-84. The forward transform has
// no closed-form inverse, so it iterates w ← w + (g − WGSToGCJ(w)); the
// offset varies slowly, so a few rounds reach millimetres, far below the
// one-metre requirement. Outside China it is the identity.
func GCJToWGS(g Point) Point {
	if outOfChina(g) {
		return g
	}
	w := g
	for range 30 {
		c := WGSToGCJ(w)
		dLat, dLng := g.Lat-c.Lat, g.Lng-c.Lng
		w.Lat += dLat
		w.Lng += dLng
		// 1e-10 degrees is about 0.01 mm.
		if math.Abs(dLat) < 1e-10 && math.Abs(dLng) < 1e-10 {
			break
		}
	}
	return w
}
