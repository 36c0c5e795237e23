package parser

import (
	"encoding/json"
	"strconv"
)

// span is a byte range [start, end) of a JSON payload.
type span struct{ start, end int }

// placeholder is a {"_placeholder":true,"num":N} object found in a binary
// packet's payload.
type placeholder struct {
	span
	num int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-space byte of b at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just after the JSON string starting at b[i]
// (which is '"').
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just after the JSON value starting at b[i].
// b must be valid JSON.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i = skipString(b, i)
		case '{', '[':
			depth++
			i++
		case '}', ']':
			depth--
			i++
		default:
			if depth == 0 {
				// scalar: runs until a delimiter
				for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != ']' && b[i] != '}' {
					i++
				}
				return i
			}
			i++
		}
		if depth == 0 {
			return i
		}
	}
	return i
}

// splitArray appends to dst the spans of the elements of the JSON array b,
// which must be valid JSON. It reports false when b is not an array.
func splitArray(b []byte, dst []span) ([]span, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return dst, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return dst, true
	}
	for i < len(b) {
		end := skipValue(b, i)
		dst = append(dst, span{i, end})
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			break
		}
		i = skipSpace(b, i+1)
	}
	return dst, true
}

// Member keys findPlaceholders tracks.
const (
	keyOther = iota
	keyPlaceholder
	keyNum
)

// phFrame is an open object or array while scanning for placeholders.
type phFrame struct {
	obj         bool
	wantKey     bool
	key         int
	placeholder bool // "_placeholder" is true (last occurrence wins)
	num         int  // "num" as a valid index, or -1
	start       int
}

// findPlaceholders returns the outermost placeholder objects of the valid
// JSON b, in order, checking each names one of n attachments. It follows
// JSON.parse semantics: keys are compared after unescaping, the last of
// duplicate keys wins, and a placeholder is any object whose "_placeholder"
// member is true (its other members are ignored).
func findPlaceholders(b []byte, n int) ([]placeholder, error) {
	var phs []placeholder
	var stack []phFrame
	// setValue records the value of the current member of the innermost
	// object: lit is the scalar token, or nil for a string/object/array.
	setValue := func(lit []byte) {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if !f.obj {
			return
		}
		switch f.key {
		case keyPlaceholder:
			f.placeholder = string(lit) == "true"
		case keyNum:
			f.num = -1
			if lit != nil {
				if v, err := strconv.ParseFloat(string(lit), 64); err == nil && v >= 0 && v < float64(n) && v == float64(int(v)) {
					f.num = int(v)
				}
			}
		}
		f.key = keyOther
	}
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case isSpace(c) || c == ':':
			i++
		case c == ',':
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].wantKey = true
			}
			i++
		case c == '{' || c == '[':
			stack = append(stack, phFrame{obj: c == '{', wantKey: c == '{', num: -1, start: i})
			i++
		case c == '}' || c == ']':
			if len(stack) == 0 {
				return nil, errorf(ErrInvalidPayload, "unbalanced JSON")
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			i++
			if f.obj && f.placeholder {
				if f.num < 0 {
					return nil, errorf(ErrInvalidAttachments, "placeholder with invalid num (%d attachments)", n)
				}
				// Drop placeholders nested in this one: it replaces them all.
				for len(phs) > 0 && phs[len(phs)-1].start >= f.start {
					phs = phs[:len(phs)-1]
				}
				phs = append(phs, placeholder{span{f.start, i}, f.num})
			}
			setValue(nil)
		case c == '"':
			end := skipString(b, i)
			if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey {
				f := &stack[len(stack)-1]
				f.wantKey = false
				f.key = keyOther
				switch key := b[i:end]; {
				case string(key) == `"_placeholder"`:
					f.key = keyPlaceholder
				case string(key) == `"num"`:
					f.key = keyNum
				default:
					if hasByte(key, '\\') {
						var k string
						if json.Unmarshal(key, &k) == nil {
							switch k {
							case "_placeholder":
								f.key = keyPlaceholder
							case "num":
								f.key = keyNum
							}
						}
					}
				}
			} else {
				setValue(nil)
			}
			i = end
		default:
			start := i
			for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != ']' && b[i] != '}' {
				i++
			}
			setValue(b[start:i])
		}
	}
	return phs, nil
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
