package pickle

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
)

// TestZoneInfoRoundTrip: CPython 3.9+ pickles datetimes and times whose
// tzinfo is a zoneinfo.ZoneInfo (both folds of an ambiguous hour, both of
// a gap) at each protocol; Go decodes each into the instant Python means
// (time.Time in time.LoadLocation(key)) and encodes it back; CPython loads
// what Go wrote as exactly what it loads from its own pickle at that
// protocol (zone key, fold, offset; in a gap, where the wall clock never
// shows, the instant and the zone, which is what a time.Time keeps). A tzinfo Go has no counterpart for is
// kept as an *Object into `any`, and named as the cause when the target is
// a time.Time.
func TestZoneInfoRoundTrip(t *testing.T) {
	script, err := filepath.Abs("testdata/kinds/zones.py")
	require.NoError(t, err)
	dir := filepath.Dir(script)
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			var dump struct {
				Skip  string
				Cases []struct {
					Name, Key string
					TS        []float64
					Pickles   []string
				}
			}
			require.NoError(t, json.Unmarshal(runKinds(t, py, script, dir, "dump", nil), &dump))
			if dump.Skip != "" {
				t.Skipf("%s: %s", py.Name(), dump.Skip)
			}
			cases := dump.Cases
			back := map[string][]string{}
			for _, c := range cases {
				for proto, h := range c.Pickles {
					data, err := hex.DecodeString(h)
					require.NoError(t, err)
					var got any
					require.NoError(t, Unmarshal(data, &got), "%s protocol %d", c.Name, proto)
					if c.Key == "" { // a tzinfo of the application's own
						require.IsType(t, &Object{}, got)
						var tt time.Time
						err := Unmarshal(data, &tt)
						require.Error(t, err)
						assert.Contains(t, err.Error(), "mpconn_kinds.OddZone")
						continue
					}
					switch x := got.(type) {
					case time.Time:
						require.Len(t, c.TS, len(c.Pickles))
						sec, frac := math.Modf(c.TS[proto])
						assert.Equal(t, time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), x.UTC(), "%s protocol %d: the instant", c.Name, proto)
						assert.Equal(t, c.Key, x.Location().String())
					case TimeOfDay:
						require.NotNil(t, x.Location)
						assert.Equal(t, c.Key, x.Location.String())
					default:
						t.Fatalf("%s decoded to %T", c.Name, got)
					}
					out, err := Marshal(got, WithProtocol(proto))
					require.NoError(t, err)
					back[c.Name] = append(back[c.Name], hex.EncodeToString(out))
				}
			}
			input, err := json.Marshal(back)
			require.NoError(t, err)
			var verdicts map[string]string
			require.NoError(t, json.Unmarshal(runKinds(t, py, script, dir, "check", input), &verdicts))
			require.Len(t, verdicts, len(back))
			for name, v := range verdicts {
				assert.Empty(t, v, "%s: CPython loading what Go wrote", name)
			}
		})
	}
}

// ForPython: what an older CPython cannot load is written another way or
// refused, instead of breaking the peer.
func TestForPython(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	zoned := time.Date(2024, 7, 1, 12, 0, 0, 0, ny)

	data, err := Marshal(zoned)
	require.NoError(t, err)
	assert.Contains(t, string(data), "ZoneInfo", "3.9+ by default")
	data, err = Marshal(zoned, ForPython(3, 8))
	require.NoError(t, err)
	assert.NotContains(t, string(data), "ZoneInfo")
	assert.Equal(t, byte(DefaultProtocol), data[1])
	data, err = Marshal(zoned, ForPython(3, 3))
	require.NoError(t, err)
	assert.Equal(t, byte(3), data[1], "the protocol follows the target: 3.3 reads up to 3")

	data, err = Marshal([]any{1, "x"}, ForPython(2, 7))
	require.NoError(t, err)
	assert.Equal(t, byte(2), data[1])
	_, err = Marshal([]any{1, "x"}, ForPython(2, 7), WithProtocol(4))
	assert.ErrorContains(t, err, "Python 2.7")
	for _, v := range []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), zoned, TimeOfDay{Hour: 1, Location: time.UTC}} {
		_, err = Marshal(v, ForPython(2, 7))
		var ve *UnsupportedValueError
		require.ErrorAs(t, err, &ve, "%v", v)
		assert.Contains(t, err.Error(), "datetime.timezone")
	}
	_, err = Marshal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.Local), ForPython(2, 7))
	assert.NoError(t, err, "a naive datetime is fine")
}
