package daemon

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/verify"
)

// defaultFinalityDepth is the reorg window of chains whose node has no "finalized" tag.
const defaultFinalityDepth = 64

// SpecFromConfig builds the chain to index from the command line: a built-in chain (--chain) or
// a custom deployment (--chain-id with registry addresses, which also override a built-in
// chain's), with --rpc-url, --from-block, --confirmations and --allow-deep-reorg applied.
func SpecFromConfig(cfg *config.Config) (ChainSpec, error) {
	var spec ChainSpec
	switch {
	case len(cfg.Chains) > 1:
		return spec, &config.FieldError{Field: "chain", Value: fmt.Sprint(cfg.Chains),
			Msg: "one chain per process: run one indexer per chain (they share the database)"}
	case len(cfg.Chains) == 1:
		info, ok := config.LookupChain(cfg.Chains[0])
		if !ok {
			if cfg.ChainID == 0 {
				return spec, &config.FieldError{Field: "chain", Value: cfg.Chains[0],
					Msg: "unknown chain: use a built-in name or give --chain-id with registry addresses"}
			}
		} else {
			spec.Name, spec.ChainID, spec.StartBlock = info.Name, info.ID, info.StartBlock()
			spec.Registries = verify.Registries{Identity: address(info.IdentityRegistry),
				Reputation: address(info.ReputationRegistry), Validation: address(info.ValidationRegistry)}
		}
	}
	if cfg.ChainID != 0 {
		if spec.ChainID != 0 && spec.ChainID != cfg.ChainID {
			return spec, &config.FieldError{Field: "chain-id", Value: fmt.Sprint(cfg.ChainID),
				Msg: fmt.Sprintf("contradicts --chain %s (id %d)", spec.Name, spec.ChainID)}
		}
		spec.ChainID = cfg.ChainID
		if spec.Name == "" {
			spec.Name = fmt.Sprint(cfg.ChainID)
		}
		for _, r := range []struct {
			flag, value string
			dst         *common.Address
		}{{"identity-registry", cfg.IdentityRegistry, &spec.Registries.Identity},
			{"reputation-registry", cfg.ReputationRegistry, &spec.Registries.Reputation},
			{"validation-registry", cfg.ValidationRegistry, &spec.Registries.Validation}} {
			if r.value == "" {
				continue
			}
			if !common.IsHexAddress(r.value) {
				return spec, &config.FieldError{Field: r.flag, Value: r.value, Msg: "not a 0x address"}
			}
			*r.dst = common.HexToAddress(r.value)
		}
	}
	if spec.ChainID == 0 {
		return spec, &config.FieldError{Field: "chain", Msg: "missing: give --chain or --chain-id"}
	}
	if spec.Registries == (verify.Registries{}) {
		return spec, &config.FieldError{Field: "identity-registry", Value: "",
			Msg: fmt.Sprintf("chain %d has no built-in deployment: give at least one registry address", spec.ChainID)}
	}
	spec.RPCURLs = cfg.RPCURLs
	if cfg.FromBlock != nil {
		spec.StartBlock = *cfg.FromBlock
	}
	spec.Confirmations = cfg.Confirmations
	spec.AllowDeepReorg = cfg.AllowDeepReorg
	spec.FinalityDepth = defaultFinalityDepth
	spec.UseFinalizedTag = true
	return spec, nil
}

func address(s string) common.Address {
	if s == "" {
		return common.Address{}
	}
	return common.HexToAddress(s)
}
