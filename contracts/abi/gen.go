package abi

// The bindings below are generated from the committed ABI/bin files (written by ../build.js) with
// abigen v2; `make contracts` reruns build.js and then `go generate ./...` here.

//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi IdentityRegistry.abi.json --bin IdentityRegistry.bin --pkg abi --type IdentityRegistry --out identity_registry.gen.go
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi ReputationRegistry.abi.json --bin ReputationRegistry.bin --pkg abi --type ReputationRegistry --out reputation_registry.gen.go
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi ValidationRegistry.abi.json --bin ValidationRegistry.bin --alias getSummary=getValidationSummary --pkg abi --type ValidationRegistry --out validation_registry.gen.go
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi ERC1967Proxy.abi.json --bin ERC1967Proxy.bin --pkg abi --type ERC1967Proxy --out erc1967_proxy.gen.go
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi ERC1271Wallet.abi.json --bin ERC1271Wallet.bin --pkg abi --type ERC1271Wallet --out erc1271_wallet.gen.go
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi PaymentToken.abi.json --bin PaymentToken.bin --alias eip712Domain=tokenEip712Domain --pkg abi --type PaymentToken --out payment_token.gen.go

// abigen v2 names return-value structs without the contract prefix (GetSummaryOutput), so the
// ValidationRegistry's getSummary is aliased to getValidationSummary to avoid a clash with the
// ReputationRegistry's; the ABI method it packs/unpacks is still "getSummary".
