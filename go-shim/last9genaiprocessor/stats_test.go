package last9genaiprocessor

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The core defines the stats keys once (STATS_KEYS in src/stats.rs, tested against its own output): the Go struct
// must read every one of them and nothing else.
func TestCoreStatsStructReadsEveryKeyTheCoreWrites(t *testing.T) {
	c, err := newCore([]byte(`{}`))
	require.NoError(t, err)
	defer c.close()
	raw, err := c.statsJSON()
	require.NoError(t, err)
	var written map[string]any
	require.NoError(t, json.Unmarshal(raw, &written))
	var writtenKeys, structKeys []string
	for k := range written {
		writtenKeys = append(writtenKeys, k)
	}
	st := reflect.TypeOf(coreStats{})
	for i := range st.NumField() {
		structKeys = append(structKeys, strings.Split(st.Field(i).Tag.Get("json"), ",")[0])
	}
	sort.Strings(writtenKeys)
	sort.Strings(structKeys)
	require.Equal(t, writtenKeys, structKeys)
}

// The README's metrics table names exactly the metrics metadata.yaml defines.
func TestReadmeMetricsTableMatchesMetadata(t *testing.T) {
	meta, err := os.ReadFile("metadata.yaml")
	require.NoError(t, err)
	var defined []string
	for _, m := range regexp.MustCompile(`(?m)^    (processor_last9_genai_[a-z_]+):$`).FindAllSubmatch(meta, -1) {
		defined = append(defined, "otelcol_"+string(m[1]))
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	table := strings.SplitN(strings.SplitN(string(readme), "## Internal telemetry", 2)[1], "\n## ", 2)[0]
	var listed []string
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.TrimPrefix(strings.SplitN(line, " | ", 2)[0], "| ")
		for _, name := range strings.Split(first, ", ") {
			name = strings.SplitN(strings.Trim(name, "`"), "{", 2)[0]
			if short, ok := strings.CutPrefix(name, "_"); ok {
				name = "otelcol_processor_last9_genai_" + short
			}
			if strings.HasPrefix(name, "otelcol_processor_last9_genai_") {
				listed = append(listed, name)
			}
		}
	}
	sort.Strings(defined)
	sort.Strings(listed)
	require.NotEmpty(t, defined)
	require.Equal(t, defined, listed)
}

// Reading stats changes nothing; expire forgets what is idle past its TTL.
func TestStatsReadIsPureAndExpireForgets(t *testing.T) {
	c, err := newCore([]byte(`{"conversation_ttl_seconds": 1, "trace_ttl_seconds": 1}`))
	require.NoError(t, err)
	defer c.close()
	list, err := c.keyList()
	require.NoError(t, err)
	keys, err := newKeyTable(list)
	require.NoError(t, err)
	var r spanRecords
	r.reset()
	r.addTraces(batch(span{trace: 1, id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "idle"}},
		span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 10, 1)}), keys)
	require.NoError(t, c.enrichSpans(r.request(false), func([]byte) error { return nil }))
	time.Sleep(1100 * time.Millisecond)
	for range 2 {
		s, err := c.stats()
		require.NoError(t, err)
		require.Equal(t, []int64{1, 0, 1, 0}, []int64{s.ConversationsTracked, s.ConversationExpiries, s.TracesTracked, s.TraceExpiries},
			"a read forgets nothing")
	}
	require.NoError(t, c.expire())
	s, err := c.stats()
	require.NoError(t, err)
	require.Equal(t, []int64{0, 1, 0, 1}, []int64{s.ConversationsTracked, s.ConversationExpiries, s.TracesTracked, s.TraceExpiries})
}
