package pickle

import (
	"math/big"
	"strings"
	"time"
)

// The standard-library values are written as their C implementations'
// __reduce__ has CPython write them: datetime, date, time as
// cls(state bytes[, tzinfo]); timedelta as timedelta(days, seconds,
// microseconds); timezone as timezone(timedelta); Decimal as
// Decimal(text); UUID as a plain instance with state {'int': n}.

var (
	globalDatetime  = Global{"datetime", "datetime"}
	globalDate      = Global{"datetime", "date"}
	globalTime      = Global{"datetime", "time"}
	globalTimedelta = Global{"datetime", "timedelta"}
	globalTimezone  = Global{"datetime", "timezone"}
	globalDecimal   = Global{"decimal", "Decimal"}
	globalUUID      = Global{"uuid", "UUID"}
)

// saveFreshBytes writes a bytes object that exists only in the pickle.
func (e *encoder) saveFreshBytes(b []byte) error {
	e.boundary()
	return e.saveBytes(b, false)
}

// tzinfo says how an aware datetime or time names its zone: a tz database
// key (zoneinfo.ZoneInfo), else a fixed offset (datetime.timezone).
type tzinfo struct {
	aware  bool
	key    string
	offset int // seconds east of UTC
}

// tzinfoOf is the tzinfo for a Location at instant t: none for time.Local,
// timezone.utc for time.UTC, ZoneInfo(key) for a zone of the tz database
// (when the target Python has zoneinfo), and the offset in effect at t
// for any other.
func (e *encoder) tzinfoOf(loc *time.Location, t time.Time) (tzinfo, error) {
	if loc == time.Local {
		return tzinfo{}, nil
	}
	if !e.cfg.target.hasTimezone() {
		return tzinfo{}, valueErr(t, "an aware time cannot be written for "+e.cfg.target.String()+", which has no datetime.timezone; use time.Local for a naive time")
	}
	if loc == time.UTC {
		return tzinfo{aware: true}, nil
	}
	if key, ok := zoneKey(loc, t); ok && e.cfg.target.hasZoneInfo() {
		return tzinfo{aware: true, key: key}, nil
	}
	_, offset := t.Zone()
	return tzinfo{aware: true, offset: offset}, nil
}

// reduceState writes cls(state[, tz]) for the datetime types.
func (e *encoder) reduceState(cls Global, state []byte, tz tzinfo) error {
	if err := e.saveGlobal(cls); err != nil {
		return err
	}
	n := 1
	if tz.aware {
		n = 2
	}
	err := e.tupleOf(n, func(i int) error {
		switch {
		case i == 0:
			return e.saveFreshBytes(state)
		case tz.key != "":
			return e.saveZoneInfo(tz.key)
		}
		return e.saveTimezone(tz.offset)
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
// timezone(timedelta(seconds=offset)) for any other location, with the
// offset in effect at that instant. Nanoseconds are truncated to
// microseconds.
func (e *encoder) saveDatetime(t time.Time) error {
	tz, err := e.tzinfoOf(t.Location(), t)
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
	if tz.key != "" && e.proto > 3 && foldOf(t) == 1 {
		state[2] |= 0x80
	}
	return e.reduceState(globalDatetime, state[:], tz)
}

// saveTimezone writes datetime.timezone(timedelta(seconds=offset)); all
// times with one offset share one timezone object (timezone.utc for 0).
func (e *encoder) saveTimezone(offset int) error {
	e.boundary()
	if idx, ok := e.tzMemo[offset]; ok {
		e.memoGet(idx)
		return nil
	}
	if offset <= -86400 || offset >= 86400 {
		return valueErr(offset, "a UTC offset must be less than a day")
	}
	if err := e.saveGlobal(globalTimezone); err != nil {
		return err
	}
	err := e.tupleOf(1, func(int) error {
		return e.saveTimedeltaMicros(int64(offset) * 1e6)
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	if e.tzMemo == nil {
		e.tzMemo = make(map[int]int)
	}
	e.tzMemo[offset] = e.memoPut()
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
	return e.reduceState(globalDate, state[:], tzinfo{})
}

// saveTimeOfDay writes a TimeOfDay as a datetime.time. A Location of the tz
// database is written as its zoneinfo.ZoneInfo; another one other than nil
// (naive) and time.UTC as the fixed offset it has at that wall time on
// 2000-01-01. Fold sets the fold bit at protocol 4+.
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
	var tz tzinfo
	if t.Location != nil {
		var err error
		if tz, err = e.tzinfoOf(t.Location, time.Date(2000, 1, 1, t.Hour, t.Minute, t.Second, 0, t.Location)); err != nil {
			return err
		}
	}
	return e.reduceState(globalTime, state[:], tz)
}

// saveDecimal writes decimal.Decimal(text).
func (e *encoder) saveDecimal(d Decimal) error {
	if !validDecimal(string(d)) {
		return valueErr(d, "not a decimal.Decimal literal: "+pyRepr(string(d)))
	}
	if err := e.saveGlobal(globalDecimal); err != nil {
		return err
	}
	if err := e.tupleOf(1, func(int) error { return e.saveFreshString(string(d)) }); err != nil {
		return err
	}
	e.op(opReduce)
	e.memoPut()
	return nil
}

// validDecimal accepts what decimal.Decimal(str) accepts on every Python
// from 2.7: [sign] digits [. digits] [e [sign] digits], Inf, Infinity,
// NaN and sNaN (with optional payload digits), any case, surrounded by
// optional whitespace.
func validDecimal(s string) bool {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	low := strings.ToLower(s)
	switch {
	case low == "inf" || low == "infinity":
		return true
	case strings.HasPrefix(low, "nan"):
		return allDigits(low[3:], true)
	case strings.HasPrefix(low, "snan"):
		return allDigits(low[4:], true)
	}
	mant, exp, hasExp := strings.Cut(low, "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart, true) || !allDigits(frac, true) {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		return allDigits(exp, false)
	}
	return true
}

func allDigits(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// saveUUID writes a uuid.UUID as CPython 3.13 pickles one: UUID.__new__
// (copyreg._reconstructor below protocol 2) and BUILD {'int': n}. Python
// 2.7 and every 3.x load this form.
func (e *encoder) saveUUID(u UUID) error {
	if err := e.instanceHeader(globalUUID); err != nil {
		return err
	}
	e.memoPut()
	e.boundary()
	e.writeEmptyDict()
	e.memoPut()
	if err := e.saveInterned("int"); err != nil {
		return err
	}
	e.boundary()
	if err := e.writeBigInt(new(big.Int).SetBytes(u[:])); err != nil {
		return err
	}
	e.op(opSetitem)
	e.op(opBuild)
	return nil
}
