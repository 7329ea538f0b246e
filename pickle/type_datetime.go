package pickle

// datetime.datetime, date, time and timedelta: time.Time, Date, TimeOfDay
// and time.Duration (datetime.timezone comes as the Location of an aware
// value). CPython writes the first three as cls(packed state bytes[,
// tzinfo]) and timedelta as timedelta(days, seconds, microseconds); a
// timezone is timezone(timedelta[, name]); a zoneinfo.ZoneInfo is the
// Location time.LoadLocation gives for its key (zoneinfo.go). A value this
// package cannot hold (a timedelta beyond time.Duration, another tzinfo, a
// naive time the local clock skips) stays the *Object the pickle describes.

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Date is a datetime.date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// TimeOfDay is a datetime.time. Location is nil for a naive time.
type TimeOfDay struct {
	Hour, Minute, Second, Microsecond int
	Location                          *time.Location
	Fold                              int
}

var (
	globalDatetime  = Global{"datetime", "datetime"}
	globalDate      = Global{"datetime", "date"}
	globalTime      = Global{"datetime", "time"}
	globalTimedelta = Global{"datetime", "timedelta"}
	globalTimezone  = Global{"datetime", "timezone"}
)

func init() {
	form[time.Time]{
		name:   "datetime.datetime",
		encode: (*encoder).saveDatetime,
		hash: func(t time.Time, _ int) (hashKey, error) {
			if t.Location() == time.Local {
				// Naive datetimes compare by wall clock, never equal to aware ones.
				return hashKey{kind: 'W', s: t.Format("2006-01-02T15:04:05.999999999")}, nil
			}
			return hashKey{kind: 'A', n: t.UnixNano(), s: strconv.FormatInt(t.Unix(), 10)}, nil
		},
		repr: datetimeRepr,
		equal: func(x time.Time, b any, _ visited) bool {
			y, ok := b.(time.Time)
			if !ok || (x.Location() == time.Local) != (y.Location() == time.Local) {
				return false
			}
			if x.Location() == time.Local {
				return x.Format(time.DateTime+".999999999") == y.Format(time.DateTime+".999999999")
			}
			return x.Equal(y)
		},
	}.declare()
	form[Date]{
		name:   "datetime.date",
		encode: (*encoder).saveDate,
		hash: func(d Date, _ int) (hashKey, error) {
			return hashKey{kind: 'D', n: int64(d.Year)<<16 | int64(d.Month)<<8 | int64(d.Day)}, nil
		},
		repr:  func(d Date, _ int) string { return fmt.Sprintf("datetime.date(%d, %d, %d)", d.Year, d.Month, d.Day) },
		equal: func(a Date, b any, _ visited) bool { return b == any(a) },
	}.declare()
	form[TimeOfDay]{
		name:   "datetime.time",
		encode: (*encoder).saveTimeOfDay,
		hash:   func(t TimeOfDay, _ int) (hashKey, error) { return t.key(), nil },
		repr:   timeRepr,
		equal: func(a TimeOfDay, b any, _ visited) bool {
			t, ok := b.(TimeOfDay)
			return ok && a.key() == t.key()
		},
	}.declare()
	form[time.Duration]{
		name:   "datetime.timedelta",
		encode: (*encoder).saveTimedelta,
		hash:   func(d time.Duration, _ int) (hashKey, error) { return hashKey{kind: 'r', n: int64(d)}, nil },
		repr:   func(d time.Duration, _ int) string { return timedeltaRepr(int64(d) / 1000) },
		equal:  func(a time.Duration, b any, _ visited) bool { return b == any(a) },
	}.declare()
	for _, g := range []Global{globalDatetime, globalDate, globalTime} {
		declareClass(&pyClass{reduce: reduceDatetime}, g)
	}
	declareClass(&pyClass{reduce: reduceTimedelta}, globalTimedelta)
	declareClass(&pyClass{}, globalTimezone) // read as the tzinfo of an aware value
}

// key compares times as Python does: naive by wall clock, aware by the UTC
// time of day (Python takes the offset on no particular date; this is the
// offset on 2000-01-01, as the encoder writes it).
func (t TimeOfDay) key() hashKey {
	us := int64(((t.Hour*60+t.Minute)*60+t.Second)*1e6 + t.Microsecond)
	if t.Location == nil {
		return hashKey{kind: 't', n: us}
	}
	_, offset := time.Date(2000, 1, 1, t.Hour, t.Minute, t.Second, 0, t.Location).Zone()
	return hashKey{kind: 'u', n: us - int64(offset)*1e6}
}

func reduceDatetime(m *machine, pos int, callable val, args []val) (val, bool, error) {
	g, _ := m.globalOf(callable)
	x, ok := m.datetimeArgs(g, args)
	if !ok {
		return val{}, false, nil
	}
	return m.valueNode(pos, x), true, nil
}

func reduceTimedelta(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) > 3 {
		return val{}, false, nil
	}
	var dsu [3]int64
	for i, a := range args {
		n, ok := m.intOf(a)
		if !ok {
			return val{}, false, nil
		}
		dsu[i] = n
	}
	d, fits := durationOf(dsu[0], dsu[1], dsu[2])
	if !fits {
		return val{}, false, nil
	}
	return m.valueNode(pos, d), true, nil
}

// --- repr, as Python 3 writes it ---

func datetimeRepr(t time.Time, _ int) string {
	s := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
	return s + secondsRepr(t.Second(), t.Nanosecond()/1000) + tzinfoRepr(t.Location(), t) + ")"
}

func timeRepr(t TimeOfDay, _ int) string {
	s := fmt.Sprintf("datetime.time(%d, %d", t.Hour, t.Minute) + secondsRepr(t.Second, t.Microsecond)
	if t.Location != nil {
		s += tzinfoRepr(t.Location, time.Date(2000, 1, 1, t.Hour, t.Minute, t.Second, 0, t.Location))
	}
	return s + ")"
}

func secondsRepr(s, us int) string {
	switch {
	case us != 0:
		return fmt.Sprintf(", %d, %d", s, us)
	case s != 0:
		return fmt.Sprintf(", %d", s)
	}
	return ""
}

func tzinfoRepr(loc *time.Location, at time.Time) string {
	if loc == time.Local {
		return ""
	}
	z := zoneOf(at)
	if z.offset == 0 && z.name == "" {
		return ", tzinfo=datetime.timezone.utc"
	}
	s := ", tzinfo=datetime.timezone(" + timedeltaRepr(int64(z.offset)*1e6)
	if z.name != "" {
		s += ", " + pyQuote(z.name, false)
	}
	return s + ")"
}

func timedeltaRepr(us int64) string {
	const day = 86400 * 1e6
	days, rem := us/day, us%day
	if rem < 0 {
		days--
		rem += day
	}
	var parts []string
	for _, p := range []struct {
		name string
		n    int64
	}{{"days", days}, {"seconds", rem / 1e6}, {"microseconds", rem % 1e6}} {
		if p.n != 0 {
			parts = append(parts, p.name+"="+strconv.FormatInt(p.n, 10))
		}
	}
	if parts == nil {
		return "datetime.timedelta(0)"
	}
	return "datetime.timedelta(" + strings.Join(parts, ", ") + ")"
}

// saveFreshBytes writes a bytes object that exists only in the pickle.
func (e *encoder) saveFreshBytes(b []byte) error {
	e.boundary()
	return e.saveBytes(b, false)
}

// reduceState writes cls(state[, tz]) for the datetime types; tz is nil
// for a naive value.
func (e *encoder) reduceState(cls Global, state []byte, tz *zone) error {
	if err := e.saveGlobal(cls); err != nil {
		return err
	}
	n := 1
	if tz != nil {
		n = 2
	}
	err := e.tupleOf(n, func(i int) error {
		if i == 0 {
			return e.saveFreshBytes(state)
		}
		return e.saveTimezone(*tz)
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	e.memoPut()
	return nil
}

// saveDatetime writes a time.Time as a datetime.datetime: naive with the
// same wall clock for time.Local, tzinfo=timezone.utc for time.UTC,
// zoneinfo.ZoneInfo(key) for a zone of the tz database (time.LoadLocation),
// with the fold bit of PEP 495 at protocol 4+, and
// timezone(timedelta(seconds=offset)[, name]) for any other location, with
// the offset (and zone name) in effect at that instant. Nanoseconds are
// truncated to microseconds.
func (e *encoder) saveDatetime(t time.Time) error {
	tz, err := e.tzinfoOf(t)
	if err != nil {
		return err
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	us := t.Nanosecond() / 1000
	if y < 1 || y > 9999 {
		return valueErr(t, "datetime.datetime holds years 1 to 9999, not "+pyRepr(y))
	}
	state := [10]byte{byte(y >> 8), byte(y), byte(mo), byte(d), byte(h), byte(mi), byte(s), byte(us >> 16), byte(us >> 8), byte(us)}
	if tz != nil && tz.key != "" && e.proto > 3 && foldOf(t) == 1 {
		state[2] |= 0x80
	}
	return e.reduceState(globalDatetime, state[:], tz)
}

// zone is the tzinfo of an aware value: a zone of the tz database by its
// key, written as zoneinfo.ZoneInfo(key), or else a fixed UTC offset
// (seconds) and the name it goes by, "" when that is the one Python's
// datetime.timezone gives it anyway.
type zone struct {
	key    string
	offset int
	name   string
}

// tzinfoOf is the tzinfo t is written with: none for time.Local,
// timezone.utc for time.UTC, ZoneInfo(key) for a zone of the tz database
// when the target Python has zoneinfo, and the fixed offset in effect at t
// for any other.
func (e *encoder) tzinfoOf(t time.Time) (*zone, error) {
	loc := t.Location()
	if loc == time.Local {
		return nil, nil
	}
	if !e.cfg.target.hasTimezone() {
		return nil, valueErr(t, "an aware time cannot be written for "+e.cfg.target.String()+", which has no datetime.timezone; use time.Local for a naive time")
	}
	if key, ok := zoneKey(loc, t); ok && e.cfg.target.hasZoneInfo() {
		return &zone{key: key}, nil
	}
	z := zoneOf(t)
	return &z, nil
}

// zoneOf is the zone of an aware time at its instant.
func zoneOf(t time.Time) zone {
	name, offset := t.Zone()
	if name == tzName(offset) || t.Location() == time.UTC {
		name = ""
	}
	return zone{offset: offset, name: name}
}

// tzName is the name of timezone(timedelta(seconds=offset)): "UTC", or
// "UTC+05:30", as Python's datetime.timezone makes it.
func tzName(offset int) string {
	if offset == 0 {
		return "UTC"
	}
	sign, a := '+', offset
	if a < 0 {
		sign, a = '-', -a
	}
	name := fmt.Sprintf("UTC%c%02d:%02d", sign, a/3600, a/60%60)
	if a%60 != 0 {
		name += fmt.Sprintf(":%02d", a%60)
	}
	return name
}

// saveTimezone writes datetime.timezone(timedelta(seconds=offset)[, name]),
// or the ZoneInfo of a key; all times in one zone share one tzinfo object
// (timezone.utc for 0).
func (e *encoder) saveTimezone(z zone) error {
	e.boundary()
	if idx, ok := e.tzMemo[z]; ok {
		e.memoGet(idx)
		return nil
	}
	var err error
	if z.key != "" {
		err = e.writeZoneInfo(z.key)
	} else {
		err = e.writeTimezone(z)
	}
	if err != nil {
		return err
	}
	if e.tzMemo == nil {
		e.tzMemo = make(map[zone]int)
	}
	e.tzMemo[z] = e.memoPut()
	return nil
}

// writeTimezone writes datetime.timezone(timedelta(seconds=offset)[, name]).
func (e *encoder) writeTimezone(z zone) error {
	if z.offset <= -86400 || z.offset >= 86400 {
		return valueErr(z.offset, "a UTC offset must be less than a day")
	}
	if err := e.saveGlobal(globalTimezone); err != nil {
		return err
	}
	n := 1
	if z.name != "" {
		n = 2
	}
	err := e.tupleOf(n, func(i int) error {
		if i == 1 {
			return e.saveFreshString(z.name)
		}
		return e.saveTimedeltaMicros(int64(z.offset) * 1e6)
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	return nil
}

// saveTimedelta writes a time.Duration as a datetime.timedelta, truncated
// toward zero to whole microseconds (timedelta's resolution).
func (e *encoder) saveTimedelta(d time.Duration) error {
	return e.saveTimedeltaMicros(int64(d) / 1000)
}

func (e *encoder) saveTimedeltaMicros(us int64) error {
	e.boundary()
	const day = 86400 * 1e6
	days := us / day
	rem := us % day
	if rem < 0 {
		days--
		rem += day
	}
	parts := [3]int64{days, rem / 1e6, rem % 1e6}
	if err := e.saveGlobal(globalTimedelta); err != nil {
		return err
	}
	_ = e.tupleOf(3, func(i int) error {
		e.boundary()
		e.writeInt(parts[i])
		return nil
	})
	e.op(opReduce)
	e.memoPut()
	return nil
}

// saveDate writes a Date as a datetime.date.
func (e *encoder) saveDate(d Date) error {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 ||
		time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Day() != d.Day {
		return valueErr(d, "not a valid datetime.date")
	}
	state := [4]byte{byte(d.Year >> 8), byte(d.Year), byte(d.Month), byte(d.Day)}
	return e.reduceState(globalDate, state[:], nil)
}

// saveTimeOfDay writes a TimeOfDay as a datetime.time. A Location of the tz
// database is written as its zoneinfo.ZoneInfo; another one other than nil
// (naive) and time.UTC as the fixed offset (and zone name) it has at that
// wall time on 2000-01-01. Fold sets the fold bit at
// protocol 4+.
func (e *encoder) saveTimeOfDay(t TimeOfDay) error {
	if t.Hour < 0 || t.Hour > 23 || t.Minute < 0 || t.Minute > 59 || t.Second < 0 || t.Second > 59 ||
		t.Microsecond < 0 || t.Microsecond > 999999 || t.Fold < 0 || t.Fold > 1 {
		return valueErr(t, "not a valid datetime.time")
	}
	h := byte(t.Hour)
	if t.Fold == 1 && e.proto > 3 {
		h |= 0x80
	}
	us := t.Microsecond
	state := [6]byte{h, byte(t.Minute), byte(t.Second), byte(us >> 16), byte(us >> 8), byte(us)}
	var tz *zone
	if t.Location != nil {
		var err error
		if tz, err = e.tzinfoOf(time.Date(2000, 1, 1, t.Hour, t.Minute, t.Second, 0, t.Location)); err != nil {
			return err
		}
	}
	return e.reduceState(globalTime, state[:], tz)
}

// durationOf converts timedelta(days, seconds, microseconds); false when it
// does not fit a time.Duration.
func durationOf(d, s, us int64) (time.Duration, bool) {
	const lim = math.MaxInt64 / 1000
	if d > 106751 || d < -106752 || s > lim/1000000 || s < -lim/1000000 || us > lim || us < -lim {
		return 0, false
	}
	total := new(big.Int).SetInt64(d)
	total.Mul(total, big.NewInt(86400))
	total.Add(total, big.NewInt(s))
	total.Mul(total, big.NewInt(1e6))
	total.Add(total, big.NewInt(us))
	total.Mul(total, big.NewInt(1000))
	if !total.IsInt64() {
		return 0, false
	}
	return time.Duration(total.Int64()), true
}

// location converts a datetime.timezone or zoneinfo.ZoneInfo object (or
// None) to a Location. ok is false for any other tzinfo.
func (m *machine) location(v val) (loc *time.Location, ok bool) {
	if v.k == kNone {
		return nil, true
	}
	if key, ok := m.zoneInfoKey(v); ok {
		loc, err := loadZone(key)
		return loc, err == nil // else the datetime stays an *Object, unchanged
	}
	nd := m.nodeOf(v)
	if nd == nil || nd.k != nObject || nd.obj.hasState || len(nd.obj.list) > 0 || len(nd.obj.dict) > 0 {
		return nil, false
	}
	if g, _ := m.globalOf(nd.obj.class); g != globalTimezone {
		return nil, false
	}
	args := nd.obj.args
	if len(args) < 1 || len(args) > 2 {
		return nil, false
	}
	on := m.nodeOf(args[0])
	if on == nil || on.k != nValue {
		return nil, false
	}
	d, isDur := on.x.(time.Duration)
	if !isDur || d%time.Second != 0 || d <= -24*time.Hour || d >= 24*time.Hour {
		return nil, false
	}
	secs := int(d / time.Second)
	if len(args) == 2 {
		name, isStr := m.str(args[1])
		if !isStr {
			return nil, false
		}
		return time.FixedZone(name, secs), true
	}
	if secs == 0 {
		return time.UTC, true
	}
	return time.FixedZone(tzName(secs), secs), true
}

// datetimeArgs decodes the arguments of datetime/date/time as CPython
// pickles them: packed state bytes (bytes, py2 str, or latin-1 str) plus
// an optional tzinfo; the keyword-less int form is accepted too.
func (m *machine) datetimeArgs(cls Global, args []val) (any, bool) {
	if len(args) == 0 {
		return nil, false
	}
	state, isBytes := m.rawBytes(args[0])
	tz := val{k: kNone}
	if isBytes {
		if len(args) > 2 {
			return nil, false
		}
		if len(args) == 2 {
			tz = args[1]
		}
	}
	switch cls {
	case globalDate:
		if isBytes {
			if len(state) != 4 || len(args) != 1 {
				return nil, false
			}
			return mkDate(int(state[0])<<8|int(state[1]), int(state[2]), int(state[3]))
		}
		f, ok := m.ints(args, 3, 3)
		if !ok {
			return nil, false
		}
		return mkDate(int(f[0]), int(f[1]), int(f[2]))
	case globalTime:
		var f [5]int
		if isBytes {
			if len(state) != 6 {
				return nil, false
			}
			f = [5]int{int(state[0]), int(state[1]), int(state[2]), int(state[3])<<16 | int(state[4])<<8 | int(state[5])}
		} else {
			n, ok := m.ints(args, 0, 4)
			if !ok {
				return nil, false
			}
			for i := range n {
				f[i] = int(n[i])
			}
		}
		loc, ok := m.location(tz)
		if !ok {
			return nil, false
		}
		fold := f[0] >> 7
		h := f[0] & 0x7f
		if h > 23 || f[1] > 59 || f[2] > 59 || f[3] > 999999 {
			return nil, false
		}
		return TimeOfDay{Hour: h, Minute: f[1], Second: f[2], Microsecond: f[3], Location: loc, Fold: fold}, true
	default: // datetime
		var f [7]int
		if isBytes {
			if len(state) != 10 {
				return nil, false
			}
			f = [7]int{int(state[0])<<8 | int(state[1]), int(state[2]) & 0x7f, int(state[3]), int(state[4]), int(state[5]), int(state[6]),
				int(state[7])<<16 | int(state[8])<<8 | int(state[9])}
		} else {
			n, ok := m.ints(args, 3, 7)
			if !ok {
				return nil, false
			}
			for i := range n {
				f[i] = int(n[i])
			}
		}
		if _, ok := mkDate(f[0], f[1], f[2]); !ok || f[3] > 23 || f[4] > 59 || f[5] > 59 || f[6] > 999999 {
			return nil, false
		}
		loc, ok := m.location(tz)
		if !ok {
			return nil, false
		}
		if loc != nil {
			fold := 0
			if isBytes && state[2]&0x80 != 0 {
				fold = 1
			}
			return wallTime(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, loc, fold), true
		}
		t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, time.Local)
		if h, mi, _ := t.Clock(); h != f[3] || mi != f[4] {
			return nil, false // a naive wall time the local zone skips (a DST gap): kept exactly as an *Object
		}
		return t, true
	}
}

// ints reads between min and max leading int arguments.
func (m *machine) ints(args []val, min, max int) ([]int64, bool) {
	if len(args) < min || len(args) > max {
		return nil, false
	}
	out := make([]int64, len(args))
	for i, a := range args {
		n, ok := m.intOf(a)
		if !ok || n < 0 || n > 1<<30 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func mkDate(y, mo, d int) (Date, bool) {
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return Date{}, false
	}
	if time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Day() != d {
		return Date{}, false
	}
	return Date{Year: y, Month: time.Month(mo), Day: d}, true
}
