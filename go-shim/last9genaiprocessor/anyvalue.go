package last9genaiprocessor

import (
	"encoding/binary"
	"errors"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The OTLP AnyValue protobuf encoding, for the values span records carry and the values patches copy between
// spans. Field numbers from opentelemetry/proto/common/v1/common.proto.
const (
	tagString = 1<<3 | 2
	tagBool   = 2 << 3
	tagInt    = 3 << 3
	tagDouble = 4<<3 | 1
	tagArray  = 5<<3 | 2
	tagKvList = 6<<3 | 2
	tagBytes  = 7<<3 | 2
	// Inside ArrayValue and KeyValueList: repeated field 1; inside KeyValue: key 1, value 2.
	tagElement = 1<<3 | 2
	tagKVValue = 2<<3 | 2

	// maxValueDepth bounds how deep a nested value is encoded or decoded; deeper values are not forwarded.
	maxValueDepth = 64
)

var errValueTooDeep = errors.New("attribute value nested too deep")

func appendLen(dst []byte, tag byte, b []byte) []byte {
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// appendAnyValue appends v encoded as an AnyValue message (without a length prefix of its own).
func appendAnyValue(dst []byte, v pcommon.Value, depth int) ([]byte, error) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		dst = append(dst, tagString)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...), nil
	case pcommon.ValueTypeInt:
		return binary.AppendUvarint(append(dst, tagInt), uint64(v.Int())), nil
	case pcommon.ValueTypeDouble:
		return binary.LittleEndian.AppendUint64(append(dst, tagDouble), math.Float64bits(v.Double())), nil
	case pcommon.ValueTypeBool:
		b := byte(0)
		if v.Bool() {
			b = 1
		}
		return append(dst, tagBool, b), nil
	case pcommon.ValueTypeBytes:
		return appendLen(dst, tagBytes, v.Bytes().AsRaw()), nil
	case pcommon.ValueTypeSlice, pcommon.ValueTypeMap:
		if depth >= maxValueDepth {
			return dst, errValueTooDeep
		}
		inner, err := appendComposite(nil, v, depth+1)
		if err != nil {
			return dst, err
		}
		tag := byte(tagArray)
		if v.Type() == pcommon.ValueTypeMap {
			tag = tagKvList
		}
		return appendLen(dst, tag, inner), nil
	}
	return dst, nil // empty: an AnyValue with no field set
}

func appendComposite(dst []byte, v pcommon.Value, depth int) ([]byte, error) {
	var err error
	if v.Type() == pcommon.ValueTypeSlice {
		for _, e := range v.Slice().All() {
			var enc []byte
			if enc, err = appendAnyValue(nil, e, depth); err != nil {
				return dst, err
			}
			dst = appendLen(dst, tagElement, enc)
		}
		return dst, nil
	}
	for k, e := range v.Map().All() {
		var enc []byte
		if enc, err = appendAnyValue(nil, e, depth); err != nil {
			return dst, err
		}
		kv := appendLen(nil, tagString, []byte(k))
		kv = appendLen(kv, tagKVValue, enc)
		dst = appendLen(dst, tagElement, kv)
	}
	return dst, nil
}

var errBadValue = errors.New("malformed AnyValue in a core patch")

// protoField reads one field: its number, wire type, varint or fixed64 value, or length-delimited payload.
func protoField(b []byte) (num uint64, wire byte, x uint64, payload, rest []byte, err error) {
	key, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, 0, nil, nil, errBadValue
	}
	b = b[n:]
	num, wire = key>>3, byte(key&7)
	switch wire {
	case 0:
		x, n = binary.Uvarint(b)
		if n <= 0 {
			return 0, 0, 0, nil, nil, errBadValue
		}
		return num, wire, x, nil, b[n:], nil
	case 1:
		if len(b) < 8 {
			return 0, 0, 0, nil, nil, errBadValue
		}
		return num, wire, binary.LittleEndian.Uint64(b), nil, b[8:], nil
	case 2:
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return 0, 0, 0, nil, nil, errBadValue
		}
		return num, wire, 0, b[n : n+int(l)], b[n+int(l):], nil
	case 5:
		if len(b) < 4 {
			return 0, 0, 0, nil, nil, errBadValue
		}
		return num, wire, 0, nil, b[4:], nil
	}
	return 0, 0, 0, nil, nil, errBadValue
}

// decodeAnyValue sets dst from an encoded AnyValue (the last field set wins, as in protobuf).
func decodeAnyValue(b []byte, dst pcommon.Value, depth int) error {
	if depth > maxValueDepth {
		return errValueTooDeep
	}
	for len(b) > 0 {
		num, wire, x, payload, rest, err := protoField(b)
		if err != nil {
			return err
		}
		b = rest
		switch {
		case num == 1 && wire == 2:
			dst.SetStr(string(payload))
		case num == 2 && wire == 0:
			dst.SetBool(x != 0)
		case num == 3 && wire == 0:
			dst.SetInt(int64(x))
		case num == 4 && wire == 1:
			dst.SetDouble(math.Float64frombits(x))
		case num == 7 && wire == 2:
			dst.SetEmptyBytes().FromRaw(payload)
		case num == 5 && wire == 2:
			s := dst.SetEmptySlice()
			for len(payload) > 0 {
				n, w, _, elem, more, err := protoField(payload)
				if err != nil {
					return err
				}
				payload = more
				if n == 1 && w == 2 {
					if err := decodeAnyValue(elem, s.AppendEmpty(), depth+1); err != nil {
						return err
					}
				}
			}
		case num == 6 && wire == 2:
			m := dst.SetEmptyMap()
			for len(payload) > 0 {
				n, w, _, kv, more, err := protoField(payload)
				if err != nil {
					return err
				}
				payload = more
				if n != 1 || w != 2 {
					continue
				}
				var key string
				var val []byte
				for len(kv) > 0 {
					kn, kw, _, field, after, err := protoField(kv)
					if err != nil {
						return err
					}
					kv = after
					switch {
					case kn == 1 && kw == 2:
						key = string(field)
					case kn == 2 && kw == 2:
						val = field
					}
				}
				if err := decodeAnyValue(val, m.PutEmpty(key), depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
