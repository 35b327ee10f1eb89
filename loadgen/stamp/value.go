package stamp

import (
	"math"
	"strconv"
	"time"
)

// pow10 holds 10^0 … 10^9.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// guessUnit returns the unit of a publish time whose integer part is n; see
// NewJSON for the rule.
func guessUnit(n float64) time.Duration {
	switch {
	case n < 1e11:
		return time.Second
	case n < 1e14:
		return time.Millisecond
	case n < 1e17:
		return time.Microsecond
	}
	return time.Nanosecond
}

// stampNanos converts the raw JSON value of a stamp field to Unix
// nanoseconds. unit 0 means guess.
func stampNanos(raw []byte, unit time.Duration) (int64, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return numberNanos(raw, unit)
	}
	s := raw[1 : len(raw)-1]
	if ns, ok := numberNanos(s, unit); ok {
		return ns, true
	}
	return parseRFC3339(s)
}

// numberNanos converts a non-negative JSON number to Unix nanoseconds. A
// plain decimal is converted exactly (fraction digits below a nanosecond
// are dropped); one with an exponent goes through float64, exact to about
// 0.1 µs for present-day times.
func numberNanos(b []byte, unit time.Duration) (int64, bool) {
	i := 0
	var ip uint64 // integer part
	for ; i < len(b) && isDigit(b[i]); i++ {
		if i == 19 {
			return 0, false // beyond any int64 nanosecond count
		}
		ip = ip*10 + uint64(b[i]-'0')
	}
	if i == 0 || (i > 1 && b[0] == '0') {
		return 0, false // no digits (or a sign), or a leading zero
	}
	var fp int64 // the first 9 fraction digits
	fd := 0
	if i < len(b) && b[i] == '.' {
		i++
		n := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if fd < 9 {
				fp = fp*10 + int64(b[i]-'0')
				fd++
			}
			n++
		}
		if n == 0 {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		return floatNanos(b, unit)
	}
	if i != len(b) {
		return 0, false
	}
	if unit == 0 {
		unit = guessUnit(float64(ip))
	}
	u := int64(unit)
	if ip > uint64(math.MaxInt64/u) {
		return 0, false
	}
	ns := int64(ip) * u
	// fp < 1e9 and u <= 1e9, so fp*u < 1e18 cannot overflow.
	frac := fp * u / pow10[fd]
	if ns > math.MaxInt64-frac {
		return 0, false
	}
	return ns + frac, true
}

// floatNanos converts a number with an exponent. It is the rare path: the
// conversion to string may allocate.
func floatNanos(b []byte, unit time.Duration) (int64, bool) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || v < 0 {
		return 0, false
	}
	if unit == 0 {
		unit = guessUnit(math.Trunc(v))
	}
	ns := v * float64(unit)
	if ns >= math.MaxInt64 {
		return 0, false
	}
	return int64(ns), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseRFC3339 parses an RFC 3339 date-time, the layout of
// time.RFC3339Nano: 2006-01-02T15:04:05.999999999Z07:00, the fraction
// optional and of any length (digits below a nanosecond dropped), 't' and
// 'z' accepted for 'T' and 'Z'. It does what time.Parse does without the
// allocation of turning the bytes into a string.
func parseRFC3339(s []byte) (int64, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	if s[10] != 'T' && s[10] != 't' {
		return 0, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	i := 19
	var nsec int64
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		n := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			if n < 9 {
				nsec += int64(s[i]-'0') * pow10[8-n]
			}
			n++
		}
		if n == 0 {
			return 0, false
		}
	}
	var offset int64 // seconds east of UTC
	switch rest := s[i:]; {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		offset = int64(oh*3600 + om*60)
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec) - offset
	// An int64 of nanoseconds spans the years 1678 to 2262; reject the rest.
	if secs < math.MinInt64/int64(time.Second)+1 || secs > math.MaxInt64/int64(time.Second)-1 {
		return 0, false
	}
	return secs*1e9 + nsec, true
}

// digits parses a fixed-width run of decimal digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in month of year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to the proleptic Gregorian
// date y-m-d (Howard Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 { // January and February of year 0: floor, not truncate
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
