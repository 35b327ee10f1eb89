package result

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// EncodeConfig encodes a configuration struct as JSON the way every
// ssebench document writes configuration (the Report's "config" echo,
// --dry-run, scenario and server files): as encoding/json would, except
// that time.Duration values are strings such as "10s" or "1m30s" rather
// than integers of nanoseconds, which are hard to read and easy to get
// wrong by a factor of 1000. Readers of these documents accept both forms
// (see ParseDuration), so files written before still load.
//
// It honours json struct tags (names, omitempty, "-"), embedded structs
// and types with their own MarshalJSON or MarshalText.
func EncodeConfig(v any) (json.RawMessage, error) {
	return json.Marshal(durationsAsText(reflect.ValueOf(v)))
}

// ParseDuration reads a configuration duration in either form ssebench
// has written: a string such as "10s", or an integer of nanoseconds.
func ParseDuration(raw json.RawMessage) (time.Duration, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	var ns int64
	if err := json.Unmarshal(raw, &ns); err != nil {
		return 0, err
	}
	return time.Duration(ns), nil
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

// durationsAsText returns a value that encoding/json encodes as v, with
// durations turned into strings: structs become ordered objects, slices
// and maps are walked, and anything with its own JSON form is kept as is.
func durationsAsText(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	if t == durationType {
		return time.Duration(v.Int()).String()
	}
	if t.Implements(marshalerType) || t.Implements(textType) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return durationsAsText(v.Elem())
	case reflect.Struct:
		obj := &object{}
		addFields(obj, v)
		return obj
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return v.Interface() // []byte: base64, as encoding/json does
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = durationsAsText(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() || t.Key().Kind() != reflect.String {
			return v.Interface()
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[it.Key().String()] = durationsAsText(it.Value())
		}
		return out
	}
	return v.Interface()
}

// addFields adds the exported fields of struct v to obj, promoting the
// fields of embedded structs as encoding/json does (outer names win).
func addFields(obj *object, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !ft.Implements(marshalerType) {
				inner := &object{}
				addFields(inner, fv)
				for j, k := range inner.keys {
					if !obj.has(k) {
						obj.add(k, inner.vals[j])
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() && !(fv.Kind() == reflect.Struct) {
			continue
		}
		if (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 && strings.Contains(","+opts+",", ",omitempty,") {
			continue
		}
		obj.set(name, durationsAsText(fv))
	}
}

// object is a JSON object that keeps its keys in order.
type object struct {
	keys []string
	vals []any
}

func (o *object) has(k string) bool {
	for _, x := range o.keys {
		if x == k {
			return true
		}
	}
	return false
}

func (o *object) add(k string, v any) { o.keys, o.vals = append(o.keys, k), append(o.vals, v) }

// set adds k, or replaces it when an embedded struct added it first.
func (o *object) set(k string, v any) {
	for i, x := range o.keys {
		if x == k {
			o.vals[i] = v
			return
		}
	}
	o.add(k, v)
}

// MarshalJSON writes the object with its keys in order.
func (o *object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}'), nil
}
