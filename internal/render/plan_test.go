package render

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// A compiled template renders exactly what the walk over its base renders, for any base,
// order, slots and overlay: random ones here, with slots at, above and below each other,
// slots the base lacks, unset slots and Absent.
func TestCompiledTemplateMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		base := randomValue(rng, 3)
		o := NewOrder()
		slots := 0
		randomOrder(rng, o, base, 3, &slots)
		o.Freeze()
		compiled := NewTemplate(base, o)
		walked := Template{Base: base, Order: o}
		for j := 0; j < 5; j++ {
			values, present := make([]any, slots), make([]bool, slots)
			for s := range values {
				switch rng.Intn(4) {
				case 0:
				case 1:
					values[s], present[s] = Absent, true
				default:
					values[s], present[s] = randomValue(rng, 2), true
				}
			}
			want := walked.Render(nil, values, present)
			got := compiled.Render(nil, values, present)
			require.Equal(t, string(want), string(got), "case %d.%d: base %v", i, j, base)
		}
		require.Equal(t, string(walked.Render(nil, nil, nil)), string(compiled.Render(nil, nil, nil)))
	}
}

func randomValue(rng *rand.Rand, depth int) any {
	kind := rng.Intn(7)
	if depth == 0 {
		kind = rng.Intn(4)
	}
	switch kind {
	case 0:
		return fmt.Sprintf("s<%d>\u2028", rng.Intn(10))
	case 1:
		return json.Number(fmt.Sprint(rng.Intn(100)))
	case 2:
		return rng.Intn(2) == 0
	case 3:
		return nil
	case 4, 5:
		m := map[string]any{}
		for k := 0; k < rng.Intn(5); k++ {
			m[string(rune('a'+rng.Intn(6)))] = randomValue(rng, depth-1)
		}
		return m
	}
	a := make([]any, rng.Intn(4))
	for k := range a {
		a[k] = randomValue(rng, depth-1)
	}
	return a
}

// randomOrder names some of v's keys (and some it lacks), in a random order, and puts slots
// on random nodes.
func randomOrder(rng *rand.Rand, o *Order, v any, depth int, slots *int) {
	if rng.Intn(4) == 0 {
		o.Slot = *slots
		*slots++
	}
	if depth == 0 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range rng.Perm(6) {
			key := string(rune('a' + k))
			if _, in := t[key]; (in && rng.Intn(3) > 0) || rng.Intn(6) == 0 {
				randomOrder(rng, o.Child(key), t[key], depth-1, slots)
			}
		}
	case []any:
		if len(t) > 0 && rng.Intn(2) == 0 {
			randomOrder(rng, o.Item(), t[0], depth-1, slots)
		}
		if len(t) > 1 && rng.Intn(2) == 0 {
			randomOrder(rng, o.At1(1), t[1], depth-1, slots)
		}
	}
}
