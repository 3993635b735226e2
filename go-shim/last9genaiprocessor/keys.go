package last9genaiprocessor

import (
	"encoding/binary"
	"errors"
)

// keyTable is the core's key list: the attribute keys span records carry (by index), and the fixed values its
// patches name. Keys are bucketed by a 10-bit sketch of (length, first, middle and last byte), the one the core's
// own key table uses: most other keys (http.*, db.*, url.*) land in an empty bucket, and a known key is found by
// comparing the few strings of its bucket, without hashing it.
type keyTable struct {
	names []string
	fixed []string
	// bucket b holds entries[start[b]:start[b+1]].
	start   [sketchBuckets + 1]uint16
	entries []keyEntry
}

type keyEntry struct {
	key   string
	index uint16
}

const sketchBuckets = 1024

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
	if err != nil || len(rest) != 0 || len(names) > maxU16 {
		return nil, errKeyList
	}
	t := &keyTable{names: names, fixed: fixed}
	var counts [sketchBuckets]int
	for _, k := range names {
		counts[sketchBit(k)]++
	}
	for b := range sketchBuckets {
		t.start[b+1] = t.start[b] + uint16(counts[b])
	}
	t.entries = make([]keyEntry, len(names))
	fill := t.start
	for i, k := range names {
		b := sketchBit(k)
		t.entries[fill[b]] = keyEntry{key: k, index: uint16(i)}
		fill[b]++
	}
	return t, nil
}

// lookup returns the key's index when span records must carry it.
func (t *keyTable) lookup(k string) (uint16, bool) {
	b := sketchBit(k)
	for _, e := range t.entries[t.start[b]:t.start[b+1]] {
		if e.key == k {
			return e.index, true
		}
	}
	return 0, false
}
