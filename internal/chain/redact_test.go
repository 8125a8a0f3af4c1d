package chain

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://eth-mainnet.g.alchemy.com/v2/AbCdEf0123456789AbCdEf0123456789", "https://eth-mainnet.g.alchemy.com/v2/xxxxx"},
		{"https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/v3/xxxxx"},
		{"wss://mainnet.infura.io/ws/v3/0123456789abcdef0123456789abcdef", "wss://mainnet.infura.io/ws/v3/xxxxx"},
		{"https://v2short.example.com/v2/abc", "https://v2short.example.com/v2/xxxxx"},
		{"https://rpc.ankr.com/eth/5f8e3c0a1b2d4e6f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f", "https://rpc.ankr.com/eth/xxxxx"},
		{"https://little-bold-sea.quiknode.pro/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567/", "https://little-bold-sea.quiknode.pro/xxxxx/"},
		{"https://eth-mainnet.blastapi.io/3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "https://eth-mainnet.blastapi.io/xxxxx"},
		{"https://lb.drpc.org/ogrpc?network=ethereum&dkey=Ak80gSCleU1Frwnafb5Ka4V", "https://lb.drpc.org/ogrpc?network=xxxxx&dkey=xxxxx"},
		{"https://rpc.example.com/?apikey=secret&token=t0k", "https://rpc.example.com/?apikey=xxxxx&token=xxxxx"},
		{"https://user:hunter2@node.example.com:8545/", "https://user:xxxxx@node.example.com:8545/"},
		{"https://0123456789abcdef0123:@node.example.com/", "https://xxxxx:xxxxx@node.example.com/"},
		{"http://127.0.0.1:8545", "http://127.0.0.1:8545"},
		{"ws://localhost:8546/ws#frag", "ws://localhost:8546/ws"},
		{"https://ethereum-rpc.publicnode.com", "https://ethereum-rpc.publicnode.com"},
		{"https://arb-sepolia.example.com/arbitrum-sepolia/rpc", "https://arb-sepolia.example.com/arbitrum-sepolia/rpc"},
		{"http://[::1", "<unparsable url>"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, Redact(tc.in), tc.in)
	}
}

func TestRedactor_Scrub(t *testing.T) {
	t.Parallel()
	raw := "https://user:p%40ss@rpc.example.com/v3/" + testKey + "?key=qs3cret"
	r := newRedactor(raw)
	for _, msg := range []string{
		`Post "` + raw + `": dial tcp 127.0.0.1:1: connect: connection refused`,
		"key " + testKey + " rejected",
		"password p@ss or p%40ss, query qs3cret",
	} {
		got := r.scrub(msg)
		for _, secret := range []string{testKey, "p@ss", "p%40ss", "qs3cret"} {
			require.NotContains(t, got, secret, msg)
		}
	}
	require.Equal(t, `Post "https://user:xxxxx@rpc.example.com/v3/xxxxx?key=xxxxx": refused`,
		r.scrub(`Post "`+raw+`": refused`))
}
