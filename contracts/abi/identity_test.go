package abi_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
	"github.com/stretchr/testify/require"

	contracts "github.com/erc8004-indexer/erc8004-indexer/contracts/abi"
)

var (
	topicTransfer       = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	topicMetadataUpdate = crypto.Keccak256Hash([]byte("MetadataUpdate(uint256)"))
	topicRegistered     = crypto.Keccak256Hash([]byte("Registered(uint256,string,address)"))
	topicMetadataSet    = crypto.Keccak256Hash([]byte("MetadataSet(uint256,string,string,bytes)"))
	topicURIUpdated     = crypto.Keccak256Hash([]byte("URIUpdated(uint256,string,address)"))
	topicUpgraded       = crypto.Keccak256Hash([]byte("Upgraded(address)"))
	topicOwnership      = crypto.Keccak256Hash([]byte("OwnershipTransferred(address,address)"))
	topicInitialized    = crypto.Keccak256Hash([]byte("Initialized(uint64)"))

	errNonexistentToken = crypto.Keccak256Hash([]byte("ERC721NonexistentToken(uint256)"))
	errOwnableUnauth    = crypto.Keccak256Hash([]byte("OwnableUnauthorizedAccount(address)"))
)

// requireMetadataSet asserts that l is MetadataSet(agentID, key, value) with the hashed key topic.
func requireMetadataSet(t *testing.T, id *contracts.IdentityRegistry, l *types.Log, agentID int64, key string, value []byte) {
	t.Helper()
	ev, err := id.UnpackMetadataSetEvent(l)
	require.NoError(t, err)
	requireBig(t, agentID, ev.AgentId)
	require.Equal(t, key, ev.MetadataKey)
	require.Equal(t, crypto.Keccak256Hash([]byte(key)), ev.IndexedMetadataKey)
	require.Equal(t, value, append([]byte{}, ev.MetadataValue...))
}

func TestDeploymentLogsAndViews(t *testing.T) {
	t.Parallel()
	c := newChain(t, 0)
	for _, d := range []contracts.Deployment{c.regs.Identity, c.regs.Reputation, c.regs.Validation} {
		logs := d.ProxyReceipt.Logs
		require.Equal(t, []common.Hash{topicUpgraded, topicOwnership, topicInitialized}, topic0s(logs))
		require.Equal(t, common.BytesToHash(d.Implementation.Bytes()), logs[0].Topics[1])
		require.Equal(t, common.Hash{}, logs[1].Topics[1])
		require.Equal(t, common.BytesToHash(c.deployer.addr.Bytes()), logs[1].Topics[2])
		require.Equal(t, common.BigToHash(big.NewInt(2)), common.BytesToHash(logs[2].Data))
		for _, l := range logs {
			require.Equal(t, d.Proxy, l.Address)
		}
	}

	require.Equal(t, "2.0.0", call(c, c.idC, c.identity.PackGetVersion(), c.identity.UnpackGetVersion))
	require.Equal(t, "2.0.0", call(c, c.repC, c.reputation.PackGetVersion(), c.reputation.UnpackGetVersion))
	require.Equal(t, "2.0.0", call(c, c.valC, c.validation.PackGetVersion(), c.validation.UnpackGetVersion))
	require.Equal(t, "AgentIdentity", call(c, c.idC, c.identity.PackName(), c.identity.UnpackName))
	require.Equal(t, "AGENT", call(c, c.idC, c.identity.PackSymbol(), c.identity.UnpackSymbol))
	require.Equal(t, c.deployer.addr, call(c, c.idC, c.identity.PackOwner(), c.identity.UnpackOwner))
	require.Equal(t, c.regs.Identity.Proxy, call(c, c.repC, c.reputation.PackGetIdentityRegistry(), c.reputation.UnpackGetIdentityRegistry))
	require.Equal(t, c.regs.Identity.Proxy, call(c, c.valC, c.validation.PackGetIdentityRegistry(), c.validation.UnpackGetIdentityRegistry))

	dom := call(c, c.idC, c.identity.PackEip712Domain(), c.identity.UnpackEip712Domain)
	require.Equal(t, contracts.EIP712DomainName, dom.Name)
	require.Equal(t, contracts.EIP712DomainVersion, dom.Version)
	require.Equal(t, c.chainID, dom.ChainId)
	require.Equal(t, c.regs.Identity.Proxy, dom.VerifyingContract)
	require.Equal(t, [1]byte{0x0f}, dom.Fields)

	// initialize cannot run twice, and upgrades are owner-only.
	c.requireCustomError(c.deployer, c.regs.Identity.Proxy, c.identity.PackInitialize(),
		crypto.Keccak256Hash([]byte("InvalidInitialization()")))
	c.requireCustomError(c.deployer, c.regs.Identity.Implementation, c.identity.PackInitialize(),
		crypto.Keccak256Hash([]byte("InvalidInitialization()")))
}

func TestRegisterLogOrderAndIDs(t *testing.T) {
	t.Parallel()
	c := newChain(t, 2)
	alice, bob := c.accounts[0], c.accounts[1]
	reg := c.regs.Identity.Proxy

	// register(): Transfer, Registered, MetadataSet(agentWallet) — no MetadataUpdate. Id 0 first.
	r0 := c.send(alice, reg, c.identity.PackRegister())
	require.Equal(t, []common.Hash{topicTransfer, topicRegistered, topicMetadataSet}, topic0s(r0.Logs))
	tr, err := c.identity.UnpackTransferEvent(r0.Logs[0])
	require.NoError(t, err)
	require.Equal(t, common.Address{}, tr.From)
	require.Equal(t, alice.addr, tr.To)
	require.Zero(t, tr.TokenId.Sign())
	regEv, err := c.identity.UnpackRegisteredEvent(r0.Logs[1])
	require.NoError(t, err)
	require.Zero(t, regEv.AgentId.Sign())
	require.Equal(t, "", regEv.AgentURI)
	require.Equal(t, alice.addr, regEv.Owner)
	requireMetadataSet(t, c.identity, r0.Logs[2], 0, "agentWallet", alice.addr.Bytes())

	// register(string): Transfer, MetadataUpdate, Registered, MetadataSet(agentWallet).
	r1 := c.send(bob, reg, c.identity.PackRegister1("ipfs://agent-1"))
	require.Equal(t, []common.Hash{topicTransfer, topicMetadataUpdate, topicRegistered, topicMetadataSet}, topic0s(r1.Logs))
	mu, err := c.identity.UnpackMetadataUpdateEvent(r1.Logs[1])
	require.NoError(t, err)
	require.Equal(t, big.NewInt(1), mu.TokenId)
	regEv, err = c.identity.UnpackRegisteredEvent(r1.Logs[2])
	require.NoError(t, err)
	require.Equal(t, big.NewInt(1), regEv.AgentId)
	require.Equal(t, "ipfs://agent-1", regEv.AgentURI)
	requireMetadataSet(t, c.identity, r1.Logs[3], 1, "agentWallet", bob.addr.Bytes())

	// register(string, metadata[]): ... then one MetadataSet per entry, in order.
	entries := []contracts.IdentityRegistryMetadataEntry{
		{MetadataKey: "name", MetadataValue: []byte("agent two")},
		{MetadataKey: "", MetadataValue: []byte{}},
		{MetadataKey: "name", MetadataValue: []byte{0x01, 0x02}},
	}
	r2 := c.send(alice, reg, c.identity.PackRegister0("data:application/json;base64,e30=", entries))
	require.Equal(t, []common.Hash{topicTransfer, topicMetadataUpdate, topicRegistered, topicMetadataSet,
		topicMetadataSet, topicMetadataSet, topicMetadataSet}, topic0s(r2.Logs))
	requireMetadataSet(t, c.identity, r2.Logs[3], 2, "agentWallet", alice.addr.Bytes())
	for i, e := range entries {
		requireMetadataSet(t, c.identity, r2.Logs[4+i], 2, e.MetadataKey, e.MetadataValue)
	}
	for _, l := range r2.Logs {
		require.Equal(t, reg, l.Address)
	}
	tr, err = c.identity.UnpackTransferEvent(r2.Logs[0])
	require.NoError(t, err)
	requireBig(t, 2, tr.TokenId)

	two := big.NewInt(2)
	require.Equal(t, []byte{0x01, 0x02}, call(c, c.idC, c.identity.PackGetMetadata(two, "name"), c.identity.UnpackGetMetadata))
	require.Equal(t, alice.addr.Bytes(), call(c, c.idC, c.identity.PackGetMetadata(two, "agentWallet"), c.identity.UnpackGetMetadata))
	require.Equal(t, alice.addr, call(c, c.idC, c.identity.PackGetAgentWallet(two), c.identity.UnpackGetAgentWallet))
	require.Equal(t, "data:application/json;base64,e30=", call(c, c.idC, c.identity.PackTokenURI(two), c.identity.UnpackTokenURI))
	require.Equal(t, "", call(c, c.idC, c.identity.PackTokenURI(big.NewInt(0)), c.identity.UnpackTokenURI))
	require.Empty(t, call(c, c.idC, c.identity.PackGetMetadata(big.NewInt(99), "name"), c.identity.UnpackGetMetadata))
	require.Equal(t, big.NewInt(2), call(c, c.idC, c.identity.PackBalanceOf(alice.addr), c.identity.UnpackBalanceOf))
	c.requireCustomError(alice, reg, c.identity.PackOwnerOf(big.NewInt(3)), errNonexistentToken)

	// The reserved key is refused at registration and in setMetadata.
	bad := []contracts.IdentityRegistryMetadataEntry{{MetadataKey: "x", MetadataValue: []byte{1}}, {MetadataKey: "agentWallet", MetadataValue: bob.addr.Bytes()}}
	c.requireRevert(alice, reg, c.identity.PackRegister0("u", bad), "reserved key")
	c.requireRevert(alice, reg, c.identity.PackSetMetadata(two, "agentWallet", bob.addr.Bytes()), "reserved key")
	c.requireRevert(bob, reg, c.identity.PackSetMetadata(two, "k", []byte("v")), "Not authorized")
	c.requireCustomError(alice, reg, c.identity.PackSetMetadata(big.NewInt(42), "k", []byte("v")), errNonexistentToken)
	rs := c.send(alice, reg, c.identity.PackSetMetadata(two, "k", []byte("v")))
	require.Equal(t, []common.Hash{topicMetadataSet}, topic0s(rs.Logs))
	requireMetadataSet(t, c.identity, rs.Logs[0], 2, "k", []byte("v"))
}

func TestSetAgentURIByApprovedOperator(t *testing.T) {
	t.Parallel()
	c := newChain(t, 3)
	alice, op, stranger := c.accounts[0], c.accounts[1], c.accounts[2]
	reg := c.regs.Identity.Proxy
	id := c.register(alice, "https://a.example/agent.json")

	c.requireRevert(op, reg, c.identity.PackSetAgentURI(id, "x"), "Not authorized")
	c.send(alice, reg, c.identity.PackSetApprovalForAll(op.addr, true))
	r := c.send(op, reg, c.identity.PackSetAgentURI(id, ""))
	require.Equal(t, []common.Hash{topicMetadataUpdate, topicURIUpdated}, topic0s(r.Logs))
	ev, err := c.identity.UnpackURIUpdatedEvent(r.Logs[1])
	require.NoError(t, err)
	require.Equal(t, id, ev.AgentId)
	require.Equal(t, "", ev.NewURI)
	require.Equal(t, op.addr, ev.UpdatedBy)

	c.requireRevert(stranger, reg, c.identity.PackSetAgentURI(id, "x"), "Not authorized")
	require.True(t, call(c, c.idC, c.identity.PackIsAuthorizedOrOwner(op.addr, id), c.identity.UnpackIsAuthorizedOrOwner))
	require.True(t, call(c, c.idC, c.identity.PackIsAuthorizedOrOwner(alice.addr, id), c.identity.UnpackIsAuthorizedOrOwner))
	require.False(t, call(c, c.idC, c.identity.PackIsAuthorizedOrOwner(stranger.addr, id), c.identity.UnpackIsAuthorizedOrOwner))
	c.send(alice, reg, c.identity.PackApprove(stranger.addr, id))
	require.True(t, call(c, c.idC, c.identity.PackIsAuthorizedOrOwner(stranger.addr, id), c.identity.UnpackIsAuthorizedOrOwner))
	c.send(stranger, reg, c.identity.PackSetAgentURI(id, "ipfs://new"))
	require.Equal(t, "ipfs://new", call(c, c.idC, c.identity.PackTokenURI(id), c.identity.UnpackTokenURI))
	c.requireCustomError(alice, reg, c.identity.PackIsAuthorizedOrOwner(alice.addr, big.NewInt(7)), errNonexistentToken)
}

func TestTransferClearsWalletBeforeTransferLog(t *testing.T) {
	t.Parallel()
	c := newChain(t, 3)
	alice, bob, carol := c.accounts[0], c.accounts[1], c.accounts[2]
	reg := c.regs.Identity.Proxy
	id := c.register(alice, "u")
	require.Equal(t, alice.addr, call(c, c.idC, c.identity.PackGetAgentWallet(id), c.identity.UnpackGetAgentWallet))

	c.send(alice, reg, c.identity.PackApprove(carol.addr, id))
	r := c.send(alice, reg, c.identity.PackTransferFrom(alice.addr, bob.addr, id))
	// No Approval log although the approval is cleared (OZ v5).
	require.Equal(t, []common.Hash{topicMetadataSet, topicTransfer}, topic0s(r.Logs))
	requireMetadataSet(t, c.identity, r.Logs[0], id.Int64(), "agentWallet", []byte{})
	tr, err := c.identity.UnpackTransferEvent(r.Logs[1])
	require.NoError(t, err)
	require.Equal(t, alice.addr, tr.From)
	require.Equal(t, bob.addr, tr.To)
	require.Equal(t, common.Address{}, call(c, c.idC, c.identity.PackGetAgentWallet(id), c.identity.UnpackGetAgentWallet))
	require.Empty(t, call(c, c.idC, c.identity.PackGetMetadata(id, "agentWallet"), c.identity.UnpackGetMetadata))
	require.Equal(t, common.Address{}, call(c, c.idC, c.identity.PackGetApproved(id), c.identity.UnpackGetApproved))
	require.Equal(t, bob.addr, call(c, c.idC, c.identity.PackOwnerOf(id), c.identity.UnpackOwnerOf))

	// safeTransferFrom and a self-transfer behave the same way.
	r = c.send(bob, reg, c.identity.PackSafeTransferFrom(bob.addr, bob.addr, id))
	require.Equal(t, []common.Hash{topicMetadataSet, topicTransfer}, topic0s(r.Logs))
	r = c.send(bob, reg, c.identity.PackSafeTransferFrom0(bob.addr, carol.addr, id, []byte("x")))
	require.Equal(t, []common.Hash{topicMetadataSet, topicTransfer}, topic0s(r.Logs))
	c.requireCustomError(alice, reg, c.identity.PackTransferFrom(carol.addr, alice.addr, id),
		crypto.Keccak256Hash([]byte("ERC721InsufficientApproval(address,uint256)")))
}

// typedDataDigest computes the AgentWalletSet digest with go-ethereum's generic EIP-712 encoder,
// independently of contracts.AgentWalletSetDigest.
func typedDataDigest(t *testing.T, chainID *big.Int, registry common.Address, agentID *big.Int, wallet, owner common.Address, deadline *big.Int) common.Hash {
	t.Helper()
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain":   {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
			"AgentWalletSet": {{Name: "agentId", Type: "uint256"}, {Name: "newWallet", Type: "address"}, {Name: "owner", Type: "address"}, {Name: "deadline", Type: "uint256"}},
		},
		PrimaryType: "AgentWalletSet",
		Domain:      apitypes.TypedDataDomain{Name: "ERC8004IdentityRegistry", Version: "1", ChainId: (*math.HexOrDecimal256)(chainID), VerifyingContract: registry.Hex()},
		Message: apitypes.TypedDataMessage{
			"agentId": agentID.String(), "newWallet": wallet.Hex(), "owner": owner.Hex(), "deadline": deadline.String(),
		},
	}
	h, _, err := apitypes.TypedDataAndHash(td)
	require.NoError(t, err)
	return common.BytesToHash(h)
}

func TestSetAgentWalletEIP712AndERC1271(t *testing.T) {
	t.Parallel()
	c := newChain(t, 4)
	alice, wallet, op, walletSigner := c.accounts[0], c.accounts[1], c.accounts[2], c.accounts[3]
	reg := c.regs.Identity.Proxy
	id := c.register(alice, "u")

	deadline := new(big.Int).SetUint64(c.latestTime() + 120)
	digest := contracts.AgentWalletSetDigest(c.chainID, reg, id, wallet.addr, alice.addr, deadline)
	require.Equal(t, typedDataDigest(t, c.chainID, reg, id, wallet.addr, alice.addr, deadline), digest)
	sig, err := contracts.SignDigest(wallet.key, digest)
	require.NoError(t, err)

	// Signed by someone else, or for another owner: refused.
	badSig, err := contracts.SignDigest(alice.key, digest)
	require.NoError(t, err)
	c.requireRevert(alice, reg, c.identity.PackSetAgentWallet(id, wallet.addr, deadline, badSig), "invalid wallet sig")
	otherOwner, err := contracts.SignDigest(wallet.key, contracts.AgentWalletSetDigest(c.chainID, reg, id, wallet.addr, op.addr, deadline))
	require.NoError(t, err)
	c.requireRevert(alice, reg, c.identity.PackSetAgentWallet(id, wallet.addr, deadline, otherOwner), "invalid wallet sig")
	c.requireCustomError(alice, reg, c.identity.PackSetAgentWallet(id, wallet.addr, deadline, sig[:64]),
		crypto.Keccak256Hash([]byte("ECDSAInvalidSignatureLength(uint256)")))
	// Caller must be authorized for the agent; deadline window is [now, now+5min].
	c.requireRevert(op, reg, c.identity.PackSetAgentWallet(id, wallet.addr, deadline, sig), "Not authorized")
	c.requireRevert(alice, reg, c.identity.PackSetAgentWallet(id, common.Address{}, deadline, sig), "bad wallet")
	now := c.latestTime()
	past := new(big.Int).SetUint64(now - 1)
	c.requireRevert(alice, reg, c.identity.PackSetAgentWallet(id, wallet.addr, past, sig), "expired")
	far := new(big.Int).SetUint64(now + 301)
	c.requireRevert(alice, reg, c.identity.PackSetAgentWallet(id, wallet.addr, far, sig), "deadline too far")

	r := c.send(alice, reg, c.identity.PackSetAgentWallet(id, wallet.addr, deadline, sig))
	require.Equal(t, []common.Hash{topicMetadataSet}, topic0s(r.Logs))
	requireMetadataSet(t, c.identity, r.Logs[0], id.Int64(), "agentWallet", wallet.addr.Bytes())
	require.Equal(t, wallet.addr, call(c, c.idC, c.identity.PackGetAgentWallet(id), c.identity.UnpackGetAgentWallet))

	// ERC-1271: a contract wallet whose signer approves the digest.
	scw, err := contracts.DeployERC1271Wallet(c.ctx, c.deployer.auth, c.client, c.mine, walletSigner.addr)
	require.NoError(t, err)
	deadline = new(big.Int).SetUint64(c.latestTime() + 200)
	scwDigest := contracts.AgentWalletSetDigest(c.chainID, reg, id, scw, alice.addr, deadline)
	wrong, err := contracts.SignDigest(wallet.key, scwDigest)
	require.NoError(t, err)
	c.requireRevert(alice, reg, c.identity.PackSetAgentWallet(id, scw, deadline, wrong), "invalid wallet sig")
	good, err := contracts.SignDigest(walletSigner.key, scwDigest)
	require.NoError(t, err)
	c.send(alice, reg, c.identity.PackSetApprovalForAll(op.addr, true))
	r = c.send(op, reg, c.identity.PackSetAgentWallet(id, scw, deadline, good))
	requireMetadataSet(t, c.identity, r.Logs[0], id.Int64(), "agentWallet", scw.Bytes())
	require.Equal(t, scw, call(c, c.idC, c.identity.PackGetAgentWallet(id), c.identity.UnpackGetAgentWallet))

	// unsetAgentWallet emits MetadataSet(agentWallet, "").
	c.requireRevert(wallet, reg, c.identity.PackUnsetAgentWallet(id), "Not authorized")
	r = c.send(alice, reg, c.identity.PackUnsetAgentWallet(id))
	require.Equal(t, []common.Hash{topicMetadataSet}, topic0s(r.Logs))
	requireMetadataSet(t, c.identity, r.Logs[0], id.Int64(), "agentWallet", []byte{})
	require.Equal(t, common.Address{}, call(c, c.idC, c.identity.PackGetAgentWallet(id), c.identity.UnpackGetAgentWallet))
}

func TestUpgradeIsOwnerOnly(t *testing.T) {
	t.Parallel()
	c := newChain(t, 1)
	stranger := c.accounts[0]
	// A second implementation to upgrade to.
	implAddr, _, err := deployRaw(c, contracts.IdentityRegistryBin())
	require.NoError(t, err)
	c.requireCustomError(stranger, c.regs.Identity.Proxy, c.identity.PackUpgradeToAndCall(implAddr, nil), errOwnableUnauth)
	r := c.send(c.deployer, c.regs.Identity.Proxy, c.identity.PackUpgradeToAndCall(implAddr, nil))
	require.Equal(t, []common.Hash{topicUpgraded}, topic0s(r.Logs))
	up, err := c.identity.UnpackUpgradedEvent(r.Logs[0])
	require.NoError(t, err)
	require.Equal(t, implAddr, up.Implementation)
	require.Equal(t, "2.0.0", call(c, c.idC, c.identity.PackGetVersion(), c.identity.UnpackGetVersion))
}
