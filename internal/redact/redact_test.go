package redact

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const testKey = "AbCdEf0123456789AbCdEf0123456789"

func TestURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		// RPC providers put keys in the path, the query and the user info.
		"https://eth-mainnet.g.alchemy.com/v2/" + testKey:                                "https://eth-mainnet.g.alchemy.com/v2/xxxxx",
		"https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef":                  "https://mainnet.infura.io/v3/xxxxx",
		"wss://mainnet.infura.io/ws/v3/0123456789abcdef0123456789abcdef":                 "wss://mainnet.infura.io/ws/v3/xxxxx",
		"https://v2short.example.com/v2/abc":                                             "https://v2short.example.com/v2/xxxxx",
		"https://rpc.ankr.com/eth/5f8e3c0a1b2d4e6f8a9b0c1d2e3f4a5b6c7d8e9f":              "https://rpc.ankr.com/eth/xxxxx",
		"https://little-bold-sea.quiknode.pro/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567/": "https://little-bold-sea.quiknode.pro/xxxxx/",
		"https://eth-mainnet.blastapi.io/3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d":           "https://eth-mainnet.blastapi.io/xxxxx",
		"https://lb.drpc.org/ogrpc?network=ethereum&dkey=Ak80gSCleU1Frwnafb5Ka4V":        "https://lb.drpc.org/ogrpc?network=xxxxx&dkey=xxxxx",
		"https://rpc.example.com/?apikey=secret&token=t0k":                               "https://rpc.example.com/?apikey=xxxxx&token=xxxxx",
		"https://user:hunter2@node.example.com:8545/":                                    "https://user:xxxxx@node.example.com:8545/",
		"https://0123456789abcdef0123:@node.example.com/":                                "https://xxxxx:xxxxx@node.example.com/",
		"http://127.0.0.1:8545":                                                          "http://127.0.0.1:8545",
		"ws://localhost:8546/ws#frag":                                                    "ws://localhost:8546/ws",
		"https://arb-sepolia.example.com/arbitrum-sepolia/rpc":                           "https://arb-sepolia.example.com/arbitrum-sepolia/rpc",
		// Database and Valkey URLs keep their plain settings.
		"":                                      "",
		"postgres://postgres@127.0.0.1:5432/db": "postgres://postgres@127.0.0.1:5432/db",
		"postgres://u:hunter2@h:5432/db":        "postgres://u:xxxxx@h:5432/db",
		"postgres://u:hun%40ter@h/db?sslmode=off": "postgres://u:xxxxx@h/db?sslmode=off",
		"postgres://h/db?password=hunter2&b=1":    "postgres://h/db?password=xxxxx&b=xxxxx",
		"postgres://u:hunter2@h:port/db":          "postgres://u:xxxxx@h:port/db",
		"redis://:hunter2@127.0.0.1:6379/0":       "redis://:xxxxx@127.0.0.1:6379/0",
		"rediss://default:hunter2@h:6380":         "rediss://default:xxxxx@h:6380",
		"host=h password=hunter2 user=u":          "host=h password=xxxxx user=u",
		"host=h password='hun ter2' user=u":       "host=h password=xxxxx user=u",
		"error near postgres://u:hunter2@h: boom": "error near postgres://u:xxxxx@h: boom",
		"not a url":   "not a url",
		"http://[::1": "http://[::1",
		"https://rpc.example/v2/" + testKey + "%zz": "https://rpc.example/v2/xxxxx%zz",
	} {
		require.Equal(t, want, URL(in), "URL(%q)", in)
	}
}

func TestScrubber_Text(t *testing.T) {
	t.Parallel()
	raw := "https://user:p%40ss@rpc.example.com/v3/" + testKey + "?key=qs3cret"
	r := New(raw)
	for _, msg := range []string{
		`Post "` + raw + `": dial tcp 127.0.0.1:1: connect: connection refused`,
		"key " + testKey + " rejected",
		"password p@ss or p%40ss, query qs3cret",
	} {
		got := r.Text(msg)
		for _, secret := range []string{testKey, "p@ss", "p%40ss", "qs3cret"} {
			require.NotContains(t, got, secret, msg)
		}
	}
	require.Equal(t, `Post "https://user:xxxxx@rpc.example.com/v3/xxxxx?key=xxxxx": refused`,
		r.Text(`Post "`+raw+`": refused`))

	// A driver error quoting a keyword/value DSN's password in another form.
	require.Equal(t, "auth failed for xxxxx", Text("auth failed for s3cr3t!", "host=h password='s3cr3t!'"))
	// A Valkey URL's password in a parser's message.
	require.NotContains(t, Text("invalid port in redis://:pa ss@h:x", "redis://:pa ss@h:x"), "pa ss")
}
