package devchain

import (
	"context"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

// modelView is an order-independent picture of a model, for comparisons.
type modelView struct {
	Agents      []agentState
	Operators   map[opPair]bool
	Feedback    map[fbKey][]bool
	Validations map[common.Hash]validation
	RegOwner    [3]common.Address
}

func viewOf(m *model) modelView {
	v := modelView{
		Operators:   map[opPair]bool{},
		Feedback:    map[fbKey][]bool{},
		Validations: map[common.Hash]validation{},
		RegOwner:    m.regOwner,
	}
	for _, a := range m.agents {
		v.Agents = append(v.Agents, agentState{id: a.id, owner: a.owner, approved: a.approved})
	}
	for p, on := range m.operators {
		v.Operators[p] = on
	}
	for _, k := range m.fbKeys {
		v.Feedback[k] = slices.Clone(m.feedback[k].revoked)
	}
	for _, x := range m.validations {
		v.Validations[x.hash] = *x
	}
	return v
}

// TestResync_ForksMatchFull checks that the incremental resync after forks (reading only what
// the forks touched) gives the same model as a full rebuild from the view functions, in both
// fork modes, for depths 1..12 with traffic in between.
func TestResync_ForksMatchFull(t *testing.T) {
	t.Parallel()
	for _, discard := range []bool{false, true} {
		t.Run(map[bool]string{false: "Reinject", true: "Discard"}[discard], func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c, err := New(ctx, Options{Seed: 21, Accounts: 12, ForkDiscardTxs: discard, Log: zaptest.NewLogger(t)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close() })
			g := NewGenerator(c, GenOptions{Seed: 21, TxPerBlock: 6})
			for range 16 {
				require.NoError(t, g.Step(ctx))
			}
			for depth := uint64(1); depth <= 12; depth++ {
				require.NoError(t, c.Fork(depth))
				if depth%3 == 0 { // two forks between steps
					require.NoError(t, c.Fork(depth/3))
				}
				c.mu.Lock()
				forks, ok := c.forksSince(g.epoch)
				require.True(t, ok)
				require.NotEmpty(t, forks)
				require.NoError(t, g.resync(ctx))
				incremental := viewOf(g.m)
				g.synced = false // forces the full rebuild
				require.NoError(t, g.resync(ctx))
				c.mu.Unlock()
				full := viewOf(g.m)
				require.Equal(t, len(full.Agents), len(incremental.Agents), "agents after fork depth %d", depth)
				require.Equal(t, full.Agents, incremental.Agents, "after fork depth %d", depth)
				require.Equal(t, full.Operators, incremental.Operators, "after fork depth %d", depth)
				require.Equal(t, full.Feedback, incremental.Feedback, "after fork depth %d", depth)
				require.Equal(t, full.Validations, incremental.Validations, "after fork depth %d", depth)
				require.Equal(t, full.RegOwner, incremental.RegOwner, "after fork depth %d", depth)
				require.NoError(t, g.Step(ctx))
				require.NoError(t, g.Step(ctx))
			}
		})
	}
}
