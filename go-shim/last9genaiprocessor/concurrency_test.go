package last9genaiprocessor

// Many goroutines on one processor with interleaved conversations (run with -race): every turn number, trace
// total and running conversation total must be exact, not only every span present.

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// turnSpans is one turn of conversation conv as two spans (root with the id, a gpt-4o call), ids from n.
func turnSpans(n uint32, conv string, in int64, rootToo, callToo bool) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	var tid pcommon.TraceID
	binary.BigEndian.PutUint32(tid[12:], n)
	tid[0] = 0xc0
	root, call := pcommon.SpanID{0xd0}, pcommon.SpanID{0xd1}
	binary.BigEndian.PutUint32(root[4:], n)
	binary.BigEndian.PutUint32(call[4:], n)
	start := pcommon.NewTimestampFromTime(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond))
	if callToo {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(tid)
		s.SetSpanID(call)
		s.SetParentSpanID(root)
		s.SetName("chat gpt-4o")
		s.SetStartTimestamp(start + 1)
		if err := s.Attributes().FromRaw(chat("gpt-4o", in, 10)); err != nil {
			panic(err)
		}
	}
	if rootToo {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(tid)
		s.SetSpanID(root)
		s.SetName("turn")
		s.SetStartTimestamp(start)
		s.Attributes().PutStr("gen_ai.conversation.id", conv)
	}
	return td
}

func TestConcurrentConversationsGetExactTurnsAndTotals(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.WaitForRoot.Timeout = time.Hour // split turns wait for their root, never for the clock
	p, sink := newTestProcessor(t, cfg, nil)
	ctx := context.Background()
	const workers, convsEach, turns = 8, 4, 6
	type want struct {
		conv          string
		turn          int64
		trace, convUS float64
	}
	wants := make([][]want, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			running := map[string]float64{}
			for turn := 1; turn <= turns; turn++ {
				for k := range convsEach {
					n := uint32(w*1000 + k*10 + turn)
					conv := fmt.Sprintf("worker-%d-conv-%d", w, k)
					in := int64(100*turn + k)
					cost := usd(in, gpt4oInput) + usd(10, gpt4oOutput)
					running[conv] += cost
					wants[w] = append(wants[w], want{conv, int64(turn), cost, running[conv]})
					if (turn+k)%2 == 0 {
						// Split: the call first, its root in the next request.
						assert.NoError(t, p.ConsumeTraces(ctx, turnSpans(n, conv, in, false, true)))
						assert.NoError(t, p.ConsumeTraces(ctx, turnSpans(n, conv, in, true, false)))
					} else {
						assert.NoError(t, p.ConsumeTraces(ctx, turnSpans(n, conv, in, true, true)))
					}
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, workers*convsEach*turns*2, sink.SpanCount())
	roots := map[string][]ptrace.Span{}
	for _, td := range sink.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					conv, ok := s.Attributes().Get("gen_ai.conversation.id")
					require.True(t, ok, "span %s has its conversation", s.Name())
					if s.ParentSpanID().IsEmpty() {
						roots[conv.Str()] = append(roots[conv.Str()], s)
					}
				}
			}
		}
	}
	checked := 0
	for w := range workers {
		for _, wt := range wants[w] {
			var root ptrace.Span
			for _, r := range roots[wt.conv] {
				if v, _ := r.Attributes().Get("gen_ai.conversation.turn"); v.Int() == wt.turn {
					root = r
				}
			}
			require.NotEqual(t, ptrace.Span{}, root, "%s turn %d", wt.conv, wt.turn)
			requireUSD(t, root, "gen_ai.l9.trace.cost_usd", wt.trace)
			requireUSD(t, root, "gen_ai.conversation.cost_usd", wt.convUS)
			checked++
		}
		for k := range convsEach {
			require.Len(t, roots[fmt.Sprintf("worker-%d-conv-%d", w, k)], turns, "each turn numbered once")
		}
	}
	require.Equal(t, workers*convsEach*turns, checked)
}
