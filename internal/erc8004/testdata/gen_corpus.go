//go:build ignore

// gen_corpus writes the committed fuzz seed corpus from the real mainnet logs
// of testdata/reference/mainnet-identity-logs.json. Run from internal/erc8004:
//
//	go run testdata/gen_corpus.go
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

type fixtureLog struct {
	Topics []hexutil.Bytes `json:"topics"`
	Data   hexutil.Bytes   `json:"data"`
}

func main() {
	b, err := os.ReadFile("testdata/reference/mainnet-identity-logs.json")
	if err != nil {
		log.Fatal(err)
	}
	var f struct {
		RegisteredLogs []fixtureLog `json:"registeredLogs"`
		URIUpdatedLogs []fixtureLog `json:"uriUpdatedLogs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		log.Fatal(err)
	}
	decodeDir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	uriDir := filepath.Join("testdata", "fuzz", "FuzzClassifyURI")
	for _, d := range []string{decodeDir, uriDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	write := func(prefix string, i int, l fixtureLog) {
		var topics []byte
		for _, t := range l.Topics {
			topics = append(topics, t...)
		}
		// 0xff = rawTopics: topic0 comes from the topics bytes.
		body := fmt.Sprintf("go test fuzz v1\nbyte('\\xff')\n[]byte(%q)\n[]byte(%q)\n", topics, []byte(l.Data))
		name := fmt.Sprintf("mainnet-%s-%03d", prefix, i)
		if err := os.WriteFile(filepath.Join(decodeDir, name), []byte(body), 0o644); err != nil {
			log.Fatal(err)
		}
		// The URI, read by hand: offset word, length word, bytes.
		d := []byte(l.Data)
		off := binary.BigEndian.Uint64(d[24:32])
		n := binary.BigEndian.Uint64(d[off+24 : off+32])
		uri := d[off+32 : off+32+n]
		body = fmt.Sprintf("go test fuzz v1\nstring(%q)\n", uri)
		if err := os.WriteFile(filepath.Join(uriDir, name), []byte(body), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	for i, l := range f.RegisteredLogs {
		write("registered", i, l)
	}
	for i, l := range f.URIUpdatedLogs {
		write("uriupdated", i, l)
	}
}
