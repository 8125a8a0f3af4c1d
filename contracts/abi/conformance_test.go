package abi_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gethabi "github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

// referenceDir holds the official ABIs and the topic0 list, copied into the repository with their
// sources and licenses (internal/erc8004/testdata/reference/NOTICE.md).
const referenceDir = "../../internal/erc8004/testdata/reference"

func parseABI(t *testing.T, js string) gethabi.ABI {
	t.Helper()
	a, err := gethabi.JSON(strings.NewReader(js))
	require.NoError(t, err)
	return a
}

func argTypes(args gethabi.Arguments) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Type.String()
		if a.Indexed {
			out[i] += " indexed"
		}
	}
	return out
}

// TestConformsToOfficialABI checks that every event and function of the official v2.0 ABIs
// exists in ours with the same topic0 / selector, the same input and output types (and indexed
// flags) and the same state mutability.
func TestConformsToOfficialABI(t *testing.T) {
	t.Parallel()
	ours := map[string]string{
		"IdentityRegistry":   contracts.IdentityRegistryABI(),
		"ReputationRegistry": contracts.ReputationRegistryABI(),
		"ValidationRegistry": contracts.ValidationRegistryABI(),
	}
	for name, ourJSON := range ours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join(referenceDir, "abi", "v2", name+".json"))
			require.NoError(t, err, "official ABI must be readable (testdata/reference)")
			official := parseABI(t, string(raw))
			our := parseABI(t, ourJSON)
			require.NotEmpty(t, official.Events)
			require.NotEmpty(t, official.Methods)

			for _, ev := range official.Events {
				got, err := our.EventByID(ev.ID)
				require.NoError(t, err, "event %s (topic0 %s) missing", ev.Sig, ev.ID)
				require.Equal(t, ev.Sig, got.Sig)
				require.Equal(t, argTypes(ev.Inputs), argTypes(got.Inputs), "event %s", ev.Sig)
				require.Equal(t, ev.Anonymous, got.Anonymous)
			}
			for _, m := range official.Methods {
				got, err := our.MethodById(m.ID)
				require.NoError(t, err, "function %s (selector %x) missing", m.Sig, m.ID)
				require.Equal(t, m.Sig, got.Sig)
				require.Equal(t, argTypes(m.Inputs), argTypes(got.Inputs), "function %s inputs", m.Sig)
				require.Equal(t, argTypes(m.Outputs), argTypes(got.Outputs), "function %s outputs", m.Sig)
				require.Equal(t, m.StateMutability, got.StateMutability, "function %s", m.Sig)
			}
		})
	}
}

// TestTopic0MatchesSharedList cross-checks our event IDs against the independently computed
// topic0 list in internal/erc8004/testdata/reference/topic0.txt for every signature both contain.
func TestTopic0MatchesSharedList(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(referenceDir, "topic0.txt"))
	require.NoError(t, err)
	defer f.Close()
	listed := map[string]common.Hash{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && strings.HasPrefix(fields[0], "0x") {
			listed[fields[1]] = common.HexToHash(fields[0])
		}
	}
	require.NoError(t, sc.Err())

	matched := 0
	for _, js := range []string{contracts.IdentityRegistryABI(), contracts.ReputationRegistryABI(), contracts.ValidationRegistryABI(), contracts.ERC1967ProxyABI()} {
		for _, ev := range parseABI(t, js).Events {
			want, ok := listed[ev.Sig]
			if !ok {
				continue
			}
			require.Equal(t, want, ev.ID, ev.Sig)
			require.Equal(t, crypto.Keccak256Hash([]byte(ev.Sig)), ev.ID)
			matched++
		}
	}
	// 14 registry events + proxy/OZ events across the three registries and the proxy.
	require.GreaterOrEqual(t, matched, 20)
}

// TestSpecSelectors pins the v2.0 selectors listed in SPEC.md §2, including isAuthorizedOrOwner,
// which the official Identity ABI omits but the Reputation registry calls.
func TestSpecSelectors(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		contracts.IdentityRegistryABI(): {
			"isAuthorizedOrOwner(address,uint256)":          "d95e72be",
			"setAgentWallet(uint256,address,uint256,bytes)": "2d1ef5ae",
			"register(string,(string,bytes)[])":             "8ea42286",
			"initialize()":                                  "8129fc1c",
			"getVersion()":                                  "0d8e6e2c",
		},
		contracts.ReputationRegistryABI(): {
			"giveFeedback(uint256,int128,uint8,string,string,string,string,bytes32)": "3c036a7e",
			"getSummary(uint256,address[],string,string)":                            "81bbba58",
			"getResponseCount(uint256,address,uint64,address[])":                     "6e04cacd",
			"initialize(address)": "c4d66de8",
		},
		contracts.ValidationRegistryABI(): {
			"getSummary(uint256,address[],string)":                    "1b7cabd6",
			"validationResponse(bytes32,uint8,string,bytes32,string)": "3d659a96",
			"validationRequest(address,uint256,string,bytes32)":       "aaf400c4",
			"getValidationStatus(bytes32)":                            "ff2febfc",
		},
	}
	for js, sels := range cases {
		a := parseABI(t, js)
		bySig := map[string]string{}
		for _, m := range a.Methods {
			bySig[m.Sig] = common.Bytes2Hex(m.ID)
		}
		for sig, sel := range sels {
			require.Equal(t, sel, bySig[sig], sig)
		}
	}
}

// TestBindingsMatchArtifacts guards against regenerated artifacts without regenerated bindings.
func TestBindingsMatchArtifacts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		abiJSON string
		bin     []byte
		metaABI string
		metaBin string
	}{
		{"IdentityRegistry", contracts.IdentityRegistryABI(), contracts.IdentityRegistryBin(), contracts.IdentityRegistryMetaData.ABI, contracts.IdentityRegistryMetaData.Bin},
		{"ReputationRegistry", contracts.ReputationRegistryABI(), contracts.ReputationRegistryBin(), contracts.ReputationRegistryMetaData.ABI, contracts.ReputationRegistryMetaData.Bin},
		{"ValidationRegistry", contracts.ValidationRegistryABI(), contracts.ValidationRegistryBin(), contracts.ValidationRegistryMetaData.ABI, contracts.ValidationRegistryMetaData.Bin},
		{"ERC1967Proxy", contracts.ERC1967ProxyABI(), contracts.ERC1967ProxyBin(), contracts.ERC1967ProxyMetaData.ABI, contracts.ERC1967ProxyMetaData.Bin},
		{"ERC1271Wallet", contracts.ERC1271WalletABI(), contracts.ERC1271WalletBin(), contracts.ERC1271WalletMetaData.ABI, contracts.ERC1271WalletMetaData.Bin},
	}
	for _, c := range cases {
		require.NotEmpty(t, c.bin, c.name)
		require.Equal(t, common.FromHex(c.metaBin), c.bin, c.name)
		// abigen drops the spaces inside internalType ("struct X.Y" -> "structX.Y"): compare
		// the JSON with all whitespace removed on both sides.
		strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
		require.JSONEq(t, strip(c.abiJSON), strip(c.metaABI), c.name)
	}
	// Accessors return fresh copies.
	b := contracts.IdentityRegistryBin()
	b[0] ^= 0xff
	require.NotEqual(t, b[0], contracts.IdentityRegistryBin()[0])
}
