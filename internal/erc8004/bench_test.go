package erc8004

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/core/types"
)

func BenchmarkDecode(b *testing.B) {
	fx := loadFixture(b)
	nf := buildLog(b, topic0Of(sigNewFeedback), big.NewInt(31767), addrA, uint64(3), big.NewInt(-9977), uint8(2),
		"uptime", "uptime", "daily", "https://agent.example/GetPrice", "ipfs://bafkreieb6ywiqzm4nbtqdmtu3cabeup5f73euva6bywlu7ts7yklqi2roq", [32]byte(hashA))
	var mixed []*types.Log
	for _, tc := range decodeCases() {
		mixed = append(mixed, buildLog(b, topic0Of(tc.sig), tc.vals...))
	}
	cases := []struct {
		name string
		logs []*types.Log
	}{
		{"RegisteredMainnet", []*types.Log{fx.RegisteredLogs[2].log()}},
		{"RegisteredMainnetBase64", []*types.Log{fx.RegisteredLogs[6].log()}},
		{"URIUpdatedMainnet", []*types.Log{fx.URIUpdatedLogs[3].log()}},
		{"NewFeedbackV2", []*types.Log{nf}},
		{"Transfer", []*types.Log{buildLog(b, topic0Of(sigTransfer), addrA, addrB, big.NewInt(1))}},
		{"MetadataSet", []*types.Log{buildLog(b, topic0Of(sigMetadataSet), big.NewInt(7), "agentWallet", "agentWallet", addrA.Bytes())}},
		{"EveryVariant", mixed},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := len(c.logs)
			for i := 0; b.Loop(); i++ {
				if _, err := Decode(c.logs[i%n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeGethABI is the reflection-based baseline (go-ethereum
// accounts/abi) for the same NewFeedback v2 log, for comparison only.
func BenchmarkDecodeGethABI(b *testing.B) {
	nf := buildLog(b, topic0Of(sigNewFeedback), big.NewInt(31767), addrA, uint64(3), big.NewInt(-9977), uint8(2),
		"uptime", "uptime", "daily", "https://agent.example/GetPrice", "ipfs://bafkreieb6ywiqzm4nbtqdmtu3cabeup5f73euva6bywlu7ts7yklqi2roq", [32]byte(hashA))
	def := testEvents[nf.Topics[0]]
	var indexed abi.Arguments
	for _, in := range def.Inputs {
		if in.Indexed {
			indexed = append(indexed, in)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		out := map[string]any{}
		if err := def.Inputs.UnpackIntoMap(out, nf.Data); err != nil {
			b.Fatal(err)
		}
		if err := abi.ParseTopicsIntoMap(out, indexed, nf.Topics[1:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassifyURI(b *testing.B) {
	fx := loadFixture(b)
	var uris []string
	for _, fl := range fx.RegisteredLogs {
		ev, err := Decode(fl.log())
		if err != nil {
			b.Fatal(err)
		}
		uris = append(uris, ev.(*Registered).AgentURI)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = ClassifyURI(uris[i%len(uris)])
	}
}
