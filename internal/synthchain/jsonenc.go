package synthchain

import (
	"encoding/hex"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Hand-written JSON for the two large answers (logs and blocks), in the field order and
// formats geth uses. encoding/json over types.Log would cost the server more CPU than the
// indexer spends decoding, on a machine where both share two cores.

// appendQuantity appends a JSON string with v as a 0x hex quantity (no leading zeros).
func appendQuantity(b []byte, v uint64) []byte {
	b = append(b, `"0x`...)
	b = strconv.AppendUint(b, v, 16)
	return append(b, '"')
}

// appendData appends a JSON string with d as 0x hex.
func appendData(b []byte, d []byte) []byte {
	b = append(b, `"0x`...)
	n := len(b)
	b = append(b, make([]byte, 2*len(d))...)
	hex.Encode(b[n:], d)
	return append(b, '"')
}

// appendLog appends l as a geth eth_getLogs result object.
func appendLog(b []byte, l *types.Log) []byte {
	b = append(b, `{"address":`...)
	b = appendData(b, l.Address[:])
	b = append(b, `,"topics":[`...)
	for i := range l.Topics {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendData(b, l.Topics[i][:])
	}
	b = append(b, `],"data":`...)
	b = appendData(b, l.Data)
	b = append(b, `,"blockNumber":`...)
	b = appendQuantity(b, l.BlockNumber)
	b = append(b, `,"transactionHash":`...)
	b = appendData(b, l.TxHash[:])
	b = append(b, `,"transactionIndex":`...)
	b = appendQuantity(b, uint64(l.TxIndex))
	b = append(b, `,"blockHash":`...)
	b = appendData(b, l.BlockHash[:])
	b = append(b, `,"blockTimestamp":`...)
	b = appendQuantity(b, l.BlockTimestamp)
	b = append(b, `,"logIndex":`...)
	b = appendQuantity(b, uint64(l.Index))
	return append(b, `,"removed":false}`...)
}

// appendBlock appends block n as an eth_getBlockBy* result without full transactions: the
// header fields (all of them, so that decoding the answer into a types.Header gives back the
// served hash), then size, the transaction hashes, uncles and withdrawals.
func (c *Chain) appendBlock(b []byte, n uint64) []byte {
	h := c.Header(n)
	field := func(name string) { b = append(b, `,"`...); b = append(b, name...); b = append(b, `":`...) }
	b = append(b, `{"baseFeePerGas":`...)
	b = appendQuantity(b, h.BaseFee.Uint64())
	field("blobGasUsed")
	b = appendQuantity(b, *h.BlobGasUsed)
	field("difficulty")
	b = appendQuantity(b, h.Difficulty.Uint64())
	field("excessBlobGas")
	b = appendQuantity(b, *h.ExcessBlobGas)
	field("extraData")
	b = appendData(b, h.Extra)
	field("gasLimit")
	b = appendQuantity(b, h.GasLimit)
	field("gasUsed")
	b = appendQuantity(b, h.GasUsed)
	field("hash")
	b = appendData(b, c.hashes[n][:])
	field("logsBloom")
	b = appendData(b, h.Bloom[:])
	field("miner")
	b = appendData(b, h.Coinbase[:])
	field("mixHash")
	b = appendData(b, h.MixDigest[:])
	field("nonce")
	b = appendData(b, h.Nonce[:])
	field("number")
	b = appendQuantity(b, n)
	field("parentBeaconBlockRoot")
	b = appendData(b, h.ParentBeaconRoot[:])
	field("parentHash")
	b = appendData(b, h.ParentHash[:])
	field("receiptsRoot")
	b = appendData(b, h.ReceiptHash[:])
	field("requestsHash")
	b = appendData(b, h.RequestsHash[:])
	field("sha3Uncles")
	b = appendData(b, h.UncleHash[:])
	field("size")
	b = appendQuantity(b, uint64(600+len(h.Extra)+100*int(h.GasUsed/120_000)))
	field("stateRoot")
	b = appendData(b, h.Root[:])
	field("timestamp")
	b = appendQuantity(b, h.Time)
	field("transactions")
	b = append(b, '[')
	for i, tx := range c.txHashes(n) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendData(b, tx[:])
	}
	b = append(b, ']')
	field("transactionsRoot")
	b = appendData(b, h.TxHash[:])
	b = append(b, `,"uncles":[],"withdrawals":[]`...)
	field("withdrawalsRoot")
	b = appendData(b, h.WithdrawalsHash[:])
	return append(b, '}')
}

// txHashes returns the hashes of block n's transactions, in order, without generating its logs.
func (c *Chain) txHashes(n uint64) []common.Hash {
	first, end := c.blockLogs(n)
	var out []common.Hash
	for s := first; s < end; s++ {
		round, op := s/roundLogs, opOf[s%roundLogs]
		if s == first || op != opOf[(s-1)%roundLogs] || round != (s-1)/roundLogs {
			out = append(out, c.txHash(n, round, op))
		}
	}
	return out
}
