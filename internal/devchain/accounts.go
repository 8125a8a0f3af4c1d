package devchain

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"
)

// deriveAccount returns the deterministic account number i of a role ("deployer", "forker",
// "account") for a seed: its key is keccak256(domain, seed, role, i, attempt), retried with the
// next attempt in the (negligible) case that the hash is not a valid secp256k1 scalar.
func deriveAccount(seed int64, role string, i uint64) (Account, error) {
	var buf [8]byte
	for attempt := range uint64(16) {
		h := crypto.NewKeccakState()
		h.Write([]byte("erc8004-indexer/devchain/v1"))
		binary.BigEndian.PutUint64(buf[:], uint64(seed))
		h.Write(buf[:])
		h.Write([]byte(role))
		binary.BigEndian.PutUint64(buf[:], i)
		h.Write(buf[:])
		binary.BigEndian.PutUint64(buf[:], attempt)
		h.Write(buf[:])
		var scalar [32]byte
		_, _ = h.Read(scalar[:])
		key, err := crypto.ToECDSA(scalar[:])
		if err != nil {
			continue
		}
		return newAccount(key), nil
	}
	return Account{}, fmt.Errorf("derive %s key %d: no valid scalar", role, i)
}

func newAccount(key *ecdsa.PrivateKey) Account {
	return Account{Address: crypto.PubkeyToAddress(key.PublicKey), Key: key}
}
