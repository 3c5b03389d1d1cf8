package shequ

import (
	"strconv"
	"strings"
)

// ErrYuan is the answer to an amount that is not yuan with at most two
// decimals.
var ErrYuan = Errorf(EInvalid, "money.invalid", "Give an amount in yuan with at most two decimals, e.g. 50000.00.")

// ParseYuan reads an amount in 元 (at most two decimals, an optional
// thousands separator ",", an optional leading ¥) as integer 分.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "¥"), "￥")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || len(frac) > 2 || (dot && frac == "") {
		return 0, ErrYuan
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, ErrYuan
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrYuan
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return w*100 + f, nil
}

// FormatYuan shows integer 分 as 元 with two decimals and thousands
// separators: 5000000 → "50,000.00".
func FormatYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	frac := strconv.FormatInt(fen%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return b.String() + "." + frac
}
