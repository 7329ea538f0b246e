package pickle

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// A zoneinfo.ZoneInfo(key) tzinfo is pickled by CPython (3.9+) as
// getattr(zoneinfo.ZoneInfo, '_unpickle')(key, from_cache); it maps to and
// from the *time.Location that time.LoadLocation(key) gives.

var (
	globalZoneInfo = Global{"zoneinfo", "ZoneInfo"}
	globalGetattr  = Global{"builtins", "getattr"}
)

// zoneCache holds the locations loaded by key: time.LoadLocation reads the
// zone database each time. Only keys that load are kept, so a peer cannot
// grow it beyond the database's few hundred zones.
var zoneCache sync.Map // string → *time.Location

func loadZone(key string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(key); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(key)
	if err != nil {
		return nil, err
	}
	if loc == time.UTC || loc == time.Local {
		// LoadLocation("UTC") and ("Local") are not tz database zones.
		return nil, &time.ParseError{Value: key, Message: ": not a tz database zone"}
	}
	zoneCache.Store(key, loc)
	return loc, nil
}

// zoneKey returns the tz database key of loc when loc is that zone (its name
// loads, and gives the same offset at t), so that t can be written with a
// ZoneInfo tzinfo; a time.FixedZone is not one.
func zoneKey(loc *time.Location, t time.Time) (string, bool) {
	if loc == time.UTC || loc == time.Local {
		return "", false
	}
	key := loc.String()
	z, err := loadZone(key)
	if err != nil {
		return "", false
	}
	_, want := t.Zone()
	_, got := t.In(z).Zone()
	return key, got == want
}

// wallTime is the instant the wall clock y-mo-d h:mi:s.ns shows in loc, as
// PEP 495 defines it: fold 0 picks the earlier of two instants that show
// it (a clock set back) and fold 1 the later; in a gap (a clock set
// forward), fold 0 uses the offset before the transition and fold 1 the
// one after.
func wallTime(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location, fold int) time.Time {
	wall := time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	offsetAt := func(u time.Time) int { _, off := u.In(loc).Zone(); return off }
	// The offsets in force around the wall time: a day either side covers
	// any transition that could make it ambiguous or missing.
	before, after := offsetAt(wall.Add(-24*time.Hour)), offsetAt(wall.Add(24*time.Hour))
	var hits []time.Time
	for _, off := range []int{before, after, offsetAt(wall)} {
		u := wall.Add(-time.Duration(off) * time.Second)
		if offsetAt(u) == off && !containsTime(hits, u) {
			hits = append(hits, u)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Before(hits[j]) })
	switch {
	case len(hits) == 0: // in a gap
		off := before
		if fold == 1 {
			off = after
		}
		return wall.Add(-time.Duration(off) * time.Second).In(loc)
	case fold == 1:
		return hits[len(hits)-1].In(loc)
	default:
		return hits[0].In(loc)
	}
}

// foldOf is the fold bit of t in its location: 1 when the same wall clock
// also shows, earlier, with another offset.
func foldOf(t time.Time) int {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if first := wallTime(y, mo, d, h, mi, s, t.Nanosecond(), t.Location(), 0); !first.Equal(t) {
		return 1
	}
	return 0
}

func containsTime(ts []time.Time, u time.Time) bool {
	for _, t := range ts {
		if t.Equal(u) {
			return true
		}
	}
	return false
}

// writeZoneInfo writes getattr(zoneinfo.ZoneInfo, '_unpickle')(key, 1),
// which is how CPython pickles ZoneInfo(key).
func (e *encoder) writeZoneInfo(key string) error {
	if err := e.saveGlobal(globalGetattr); err != nil {
		return err
	}
	err := e.tupleOf(2, func(i int) error {
		if i == 0 {
			return e.saveGlobal(globalZoneInfo)
		}
		return e.saveFreshString("_unpickle")
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	e.memoPut()
	err = e.tupleOf(2, func(i int) error {
		if i == 0 {
			return e.saveFreshString(key)
		}
		e.boundary()
		return e.saveNoPers(int64(1))
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	return nil
}

// whyNotTime explains why an instance of class built from args did not
// become a time.Time: for a datetime it is always its tzinfo.
func (m *machine) whyNotTime(class Global, args []val) string {
	if class != globalDatetime || len(args) != 2 {
		return ""
	}
	if key, ok := m.zoneInfoKey(args[1]); ok {
		_, err := loadZone(key)
		return fmt.Sprintf("its tzinfo zoneinfo.ZoneInfo(%q) has no Go location: %v", key, err)
	}
	name := "object"
	if nd := m.nodeOf(args[1]); nd != nil && nd.obj != nil {
		if g, ok := m.globalOf(nd.obj.class); ok {
			name = g.String()
		}
	}
	return "its tzinfo, a " + name + ", has no Go counterpart (datetime.timezone and zoneinfo.ZoneInfo have)"
}

// zoneInfoKey recognizes the pickle of ZoneInfo(key) and returns key.
func (m *machine) zoneInfoKey(v val) (string, bool) {
	nd := m.nodeOf(v)
	if nd == nil || nd.k != nObject || nd.obj.hasState || len(nd.obj.args) != 2 {
		return "", false
	}
	ctor := m.nodeOf(nd.obj.class)
	if ctor == nil || ctor.k != nObject || len(ctor.obj.args) != 2 {
		return "", false
	}
	if g, _ := m.globalOf(ctor.obj.class); g != globalGetattr {
		return "", false
	}
	if g, _ := m.globalOf(ctor.obj.args[0]); g != globalZoneInfo {
		return "", false
	}
	if attr, _ := m.str(ctor.obj.args[1]); attr != "_unpickle" {
		return "", false
	}
	return m.str(nd.obj.args[0])
}
