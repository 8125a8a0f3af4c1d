package daemon

import (
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/common"

	"github.com/erc8004-indexer/erc8004-indexer/internal/config"
	"github.com/erc8004-indexer/erc8004-indexer/internal/erc8004"
)

// defaultFinalityDepth is the reorg window of chains whose node has no "finalized" tag.
const defaultFinalityDepth = 64

// SpecsFromConfig builds every chain `indexer run` indexes: the chains of the configuration file
// when there is one (cfg.FileChains, see config.LoadFile), else the one chain of the command line
// (SpecFromConfig).
func SpecsFromConfig(cfg *config.Config) ([]ChainSpec, error) {
	if len(cfg.FileChains) == 0 {
		spec, err := SpecFromConfig(cfg)
		if err != nil {
			return nil, err
		}
		return []ChainSpec{spec}, nil
	}
	specs := make([]ChainSpec, 0, len(cfg.FileChains))
	for _, fc := range cfg.FileChains {
		specs = append(specs, specFromFile(fc, cfg))
	}
	return specs, nil
}

// specFromFile builds one chain of the configuration file (already validated by config.ReadFile).
func specFromFile(fc config.FileChain, cfg *config.Config) ChainSpec {
	spec := ChainSpec{Name: fc.Name, ChainID: fc.ID, RPCURLs: fc.RPCURLs, Confirmations: fc.Confirmations,
		FinalityDepth: defaultFinalityDepth, UseFinalizedTag: true, AllowDeepReorg: fc.AllowDeepReorg || cfg.AllowDeepReorg}
	info, builtIn := config.LookupChain(strconv.FormatUint(fc.ID, 10))
	if builtIn {
		spec.Registries = registriesOf(info)
		spec.StartBlock, spec.FindStart = info.StartBlock(), !info.StartKnown()
	} else {
		spec.FindStart = true
	}
	for _, r := range []struct {
		value string
		dst   *common.Address
	}{{fc.IdentityRegistry, &spec.Registries.Identity}, {fc.ReputationRegistry, &spec.Registries.Reputation},
		{fc.ValidationRegistry, &spec.Registries.Validation}} {
		if r.value != "" {
			*r.dst = common.HexToAddress(r.value)
			// A registry address of one's own has no known start block.
			spec.FindStart = true
		}
	}
	if fc.StartBlock != nil {
		spec.StartBlock, spec.FindStart = *fc.StartBlock, false
	}
	if fc.FinalityDepth != 0 {
		spec.FinalityDepth = fc.FinalityDepth
	}
	if fc.UseFinalizedTag != nil {
		spec.UseFinalizedTag = *fc.UseFinalizedTag
	}
	// Checked by config.ReadFile.
	spec.PaymentTokens, _ = config.PaymentTokens(spec.ChainID, fc.PaymentTokens)
	spec.PaymentOwners = cfg.PaymentOwners
	if fc.PaymentOwners != nil {
		spec.PaymentOwners = *fc.PaymentOwners
	}
	return spec
}

func registriesOf(info config.ChainInfo) erc8004.Registries {
	return erc8004.Registries{Identity: address(info.IdentityRegistry),
		Reputation: address(info.ReputationRegistry), Validation: address(info.ValidationRegistry)}
}

// SpecFromConfig builds the chain to index from the command line: a built-in chain (--chain) or
// a custom deployment (--chain-id with registry addresses, which also override a built-in
// chain's), with --rpc-url, --from-block, --confirmations, --finality-depth and
// --allow-deep-reorg applied. Without --from-block, a chain whose start block is not known
// (a custom deployment, a built-in chain without one) gets FindStart.
func SpecFromConfig(cfg *config.Config) (ChainSpec, error) {
	var spec ChainSpec
	switch {
	case len(cfg.Chains) > 1:
		return spec, &config.FieldError{Field: "chain", Value: fmt.Sprint(cfg.Chains),
			Msg: "several chains need per-chain RPC URLs: list them in a --config file"}
	case len(cfg.Chains) == 1:
		id, info, ok, err := config.ResolveChain(cfg.Chains[0])
		if !ok {
			switch {
			case err != nil:
				return spec, &config.FieldError{Field: "chain", Value: cfg.Chains[0],
					Msg: "unknown chain: use a built-in name or give --chain-id with registry addresses"}
			case cfg.ChainID != 0 && cfg.ChainID != id:
				return spec, &config.FieldError{Field: "chain-id", Value: fmt.Sprint(cfg.ChainID),
					Msg: fmt.Sprintf("contradicts --chain %d", id)}
			}
			spec.ChainID = id
			spec.FindStart = true
		} else {
			spec.Name, spec.ChainID, spec.StartBlock = info.Name, info.ID, info.StartBlock()
			spec.FindStart = !info.StartKnown()
			spec.Registries = registriesOf(info)
		}
	}
	if cfg.ChainID != 0 {
		if spec.ChainID != 0 && spec.ChainID != cfg.ChainID {
			return spec, &config.FieldError{Field: "chain-id", Value: fmt.Sprint(cfg.ChainID),
				Msg: fmt.Sprintf("contradicts --chain %s (id %d)", spec.Name, spec.ChainID)}
		}
		if spec.ChainID == 0 {
			if _, info, ok, _ := config.ResolveChain(strconv.FormatUint(cfg.ChainID, 10)); ok {
				spec.Name, spec.StartBlock = info.Name, info.StartBlock()
				spec.FindStart = !info.StartKnown()
				spec.Registries = registriesOf(info)
			} else {
				spec.FindStart = true
			}
		}
		spec.ChainID = cfg.ChainID
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
			spec.FindStart = true
		}
	}
	if spec.ChainID == 0 {
		return spec, &config.FieldError{Field: "chain", Msg: "missing: give --chain or --chain-id"}
	}
	if spec.Name == "" {
		spec.Name = strconv.FormatUint(spec.ChainID, 10)
	}
	if spec.Registries == (erc8004.Registries{}) {
		return spec, &config.FieldError{Field: "identity-registry", Value: "",
			Msg: fmt.Sprintf("chain %d has no built-in deployment: give at least one registry address", spec.ChainID)}
	}
	spec.RPCURLs = cfg.RPCURLs
	if cfg.FromBlock != nil {
		spec.StartBlock, spec.FindStart = *cfg.FromBlock, false
	}
	spec.Confirmations = cfg.Confirmations
	spec.AllowDeepReorg = cfg.AllowDeepReorg
	spec.FinalityDepth = defaultFinalityDepth
	if cfg.FinalityDepth != 0 {
		spec.FinalityDepth = cfg.FinalityDepth
	}
	spec.UseFinalizedTag = true
	var err error
	if spec.PaymentTokens, err = config.PaymentTokens(spec.ChainID, cfg.PaymentTokens); err != nil {
		return spec, err
	}
	spec.PaymentOwners = cfg.PaymentOwners
	return spec, nil
}

func address(s string) common.Address {
	if s == "" {
		return common.Address{}
	}
	return common.HexToAddress(s)
}
