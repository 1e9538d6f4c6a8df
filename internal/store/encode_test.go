package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// appendMeta must write what json.Marshal writes for the record without body and response:
// the file store's log and the Redis store read it back with encoding/json.
func TestAppendMetaMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 24, 8, 1, 2, 345678900, time.UTC)
	for name, rec := range map[string]Record{
		"empty":   {},
		"minimal": {API: "crm", Operation: "createUser", Seq: 1, CreatedAt: at},
		"full": {API: "pland", Operation: "op<&>\"\\", Seq: -3, Seeded: true, Collection: "/users/ä/\u2028", Key: "k\x01\n",
			Fixture: true, CreatedAt: at.In(time.FixedZone("x", 3600)),
			Header:     map[string]any{"x-b": "2", "x-a": "1", "n": json.Number("12")},
			Credential: map[string]any{"id": "u1", "roles": []any{"a", "b"}, "nested": map[string]any{"z": true}},
			Claims:     []Claim{{Rule: "email", Key: "A@B"}, {Rule: "id", Key: "\xff"}},
			Groups:     []string{"account:1", "all"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := appendMeta(nil, &rec)
			require.NoError(t, err)
			rec.Body, rec.Response = nil, nil
			want, err := json.Marshal(rec)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
		})
	}
}

func BenchmarkEncodeRecord(b *testing.B) {
	rec := Record{API: "pulse", Operation: "createUser", Seq: 42, Collection: "/users", Key: "7",
		CreatedAt: time.Now().UTC(), Body: json.RawMessage(`{"email":"a@example.com"}`),
		Credential: map[string]any{"account": "2311"}, Claims: []Claim{{Rule: "email", Key: "a@example.com"}}, Groups: []string{"2311"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := encodeRecord(rec); err != nil {
			b.Fatal(err)
		}
	}
}
