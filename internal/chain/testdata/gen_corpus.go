//go:build ignore

// gen_corpus writes FuzzDecodeLogs seeds from the real mainnet logs of
// internal/erc8004/testdata/reference/mainnet-identity-logs.json, as eth_getLogs result arrays of 4 logs each, in the
// JSON that go-ethereum's own encoder (the same format nodes answer with) produces. Run from
// internal/chain:
//
//	go run testdata/gen_corpus.go
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

type fixtureLog struct {
	BlockNumber      uint64         `json:"blockNumber"`
	BlockHash        common.Hash    `json:"blockHash"`
	TransactionHash  common.Hash    `json:"transactionHash"`
	TransactionIndex uint           `json:"transactionIndex"`
	LogIndex         uint           `json:"logIndex"`
	Address          common.Address `json:"address"`
	Topics           []common.Hash  `json:"topics"`
	Data             string         `json:"data"`
}

func main() {
	b, err := os.ReadFile("../erc8004/testdata/reference/mainnet-identity-logs.json")
	if err != nil {
		log.Fatal(err)
	}
	var doc struct {
		Registered []fixtureLog `json:"registeredLogs"`
		URIUpdated []fixtureLog `json:"uriUpdatedLogs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		log.Fatal(err)
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeLogs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	all := append(doc.Registered, doc.URIUpdated...)
	for i := 0; i < len(all); i += 4 {
		var logs []types.Log
		for _, l := range all[i:min(i+4, len(all))] {
			logs = append(logs, types.Log{Address: l.Address, Topics: l.Topics, Data: common.FromHex(l.Data),
				BlockNumber: l.BlockNumber, TxHash: l.TransactionHash, TxIndex: l.TransactionIndex,
				BlockHash: l.BlockHash, Index: l.LogIndex})
		}
		js, err := json.Marshal(logs)
		if err != nil {
			log.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", js)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("mainnet-%03d", i/4)), []byte(body), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
