package last9genaiprocessor

import (
	"encoding/binary"
	"errors"
)

// keyTable is the core's key list: the attribute keys span records carry (by index), and the fixed values its
// patches name. A 1024-bit sketch of (length, first, middle and last byte) rejects most other keys (http.*, db.*,
// url.*) before the map is consulted; the core's own key table uses the same sketch.
type keyTable struct {
	index  map[string]uint16
	names  []string
	fixed  []string
	sketch [16]uint64
}

func sketchBit(k string) uint {
	n := len(k)
	if n == 0 {
		return 0
	}
	mix := uint(n)*131 ^ uint(k[0])*31 ^ uint(k[n/2])*7 ^ uint(k[n-1])*1009
	return mix & 1023
}

var errKeyList = errors.New("last9_genai core returned a malformed key list")

func readStrings(b []byte) ([]string, []byte, error) {
	if len(b) < 4 {
		return nil, nil, errKeyList
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	out := make([]string, 0, n)
	for range n {
		if len(b) < 2 {
			return nil, nil, errKeyList
		}
		l := int(binary.LittleEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, nil, errKeyList
		}
		out = append(out, string(b[2:2+l]))
		b = b[2+l:]
	}
	return out, b, nil
}

func newKeyTable(list []byte) (*keyTable, error) {
	names, rest, err := readStrings(list)
	if err != nil {
		return nil, err
	}
	fixed, rest, err := readStrings(rest)
	if err != nil || len(rest) != 0 || len(names) > 1<<16 {
		return nil, errKeyList
	}
	t := &keyTable{index: make(map[string]uint16, len(names)), names: names, fixed: fixed}
	for i, k := range names {
		t.index[k] = uint16(i)
		b := sketchBit(k)
		t.sketch[b/64] |= 1 << (b % 64)
	}
	return t, nil
}

// lookup returns the key's index when span records must carry it.
func (t *keyTable) lookup(k string) (uint16, bool) {
	b := sketchBit(k)
	if t.sketch[b/64]&(1<<(b%64)) == 0 {
		return 0, false
	}
	i, ok := t.index[k]
	return i, ok
}
