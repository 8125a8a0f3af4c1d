package erc8004

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

// referenceDir holds the reference material the tests compare against (official ABIs, the
// topic0 list, the mainnet fixture), with its sources and licenses in NOTICE.md.
const referenceDir = "testdata/reference"

// readTopic0File parses testdata/reference/topic0.txt: "0x<topic0> <signature> // comment".
func readTopic0File(t *testing.T) map[common.Hash]string {
	t.Helper()
	f, err := os.Open(filepath.Join(referenceDir, "topic0.txt"))
	require.NoError(t, err)
	defer f.Close()
	out := map[common.Hash]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		require.Len(t, fields, 2, "line %q", line)
		require.Len(t, fields[0], 66, "topic0 in %q", line)
		h := common.HexToHash(fields[0])
		_, dup := out[h]
		require.False(t, dup, "duplicate topic0 %s", h)
		out[h] = fields[1]
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

func TestVariants_MatchTopic0File(t *testing.T) {
	t.Parallel()
	want := readTopic0File(t)
	vs := Variants()
	require.Len(t, vs, len(want))
	seen := map[common.Hash]bool{}
	for _, v := range vs {
		require.False(t, seen[v.Topic0], "duplicate %s", v.Signature)
		seen[v.Topic0] = true
		sig, ok := want[v.Topic0]
		require.True(t, ok, "%s (%s) not in topic0.txt", v.Signature, v.Topic0)
		require.Equal(t, sig, v.Signature)
		require.Equal(t, crypto.Keccak256Hash([]byte(v.Signature)), v.Topic0, v.Signature)

		got, ok := Lookup(v.Topic0)
		require.True(t, ok)
		require.Equal(t, v, got)

		wantName := v.Signature[:strings.IndexByte(v.Signature, '(')]
		if wantName == "UriUpdated" {
			wantName = "URIUpdated"
		}
		require.Equal(t, wantName, v.Name)
		require.NotEmpty(t, v.Version, v.Signature)
	}
	_, ok := Lookup(common.Hash{})
	require.False(t, ok)
	_, ok = Lookup(crypto.Keccak256Hash([]byte("Transfer(address,uint256)")))
	require.False(t, ok)

	// Variants returns a copy.
	vs[0].Name = "changed"
	require.NotEqual(t, "changed", Variants()[0].Name)
}

func TestVariants_CoverOfficialV2ABIs(t *testing.T) {
	t.Parallel()
	files := map[string]Registry{
		"IdentityRegistry.json":   RegistryIdentity,
		"ReputationRegistry.json": RegistryReputation,
		"ValidationRegistry.json": RegistryValidation,
	}
	for file, reg := range files {
		f, err := os.Open(filepath.Join(referenceDir, "abi", "v2", file))
		require.NoError(t, err)
		parsed, err := abi.JSON(f)
		f.Close()
		require.NoError(t, err, file)
		require.NotEmpty(t, parsed.Events, file)
		for _, ev := range parsed.Events {
			v, ok := Lookup(ev.ID)
			require.True(t, ok, "%s: %s missing from catalog", file, ev.Sig)
			require.Equal(t, ev.Sig, v.Signature)
			if v.Registry != RegistryUnknown {
				require.Equal(t, reg, v.Registry, ev.Sig)
			}
			// The v2 ABI's own event is the current layout: its decoded
			// events report this signature with LegacyTopic0 zero.
			require.NotEqual(t, "spec-only", v.Version, ev.Sig)
		}
	}
}

func TestDecode_UnknownEvent(t *testing.T) {
	t.Parallel()
	ev, err := Decode(nil)
	require.Nil(t, ev)
	require.Equal(t, ErrUnknownEvent, err)

	ev, err = Decode(&types.Log{})
	require.Nil(t, ev)
	require.Equal(t, ErrUnknownEvent, err)

	ev, err = Decode(&types.Log{Topics: []common.Hash{crypto.Keccak256Hash([]byte("Foo()"))}, Data: []byte{1}})
	require.Nil(t, ev)
	require.Equal(t, ErrUnknownEvent, err)
	require.NotErrorIs(t, err, ErrMalformed)
}
