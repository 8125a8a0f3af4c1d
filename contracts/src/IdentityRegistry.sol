// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721URIStorageUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC721/extensions/ERC721URIStorageUpgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title ERC-8004 v2.0 Identity Registry (indexer test implementation)
/// @notice Written from the indexer's SPEC.md §2.1 so that its events, selectors and log order match
///         the deployed v2.0 registry. Agents are ERC-721 tokens numbered from 0.
contract IdentityRegistry is
    ERC721URIStorageUpgradeable,
    OwnableUpgradeable,
    UUPSUpgradeable,
    EIP712Upgradeable
{
    /// @notice One on-chain metadata entry given at registration.
    struct MetadataEntry {
        string metadataKey;
        bytes metadataValue;
    }

    /// @custom:storage-location erc7201:erc8004.identity.registry
    struct IdentityStorage {
        uint256 nextId;
        mapping(uint256 agentId => mapping(string key => bytes value)) metadata;
    }

    // keccak256(abi.encode(uint256(keccak256("erc8004.identity.registry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xa040f782729de4970518741823ec1276cbcd41a0c7493f62d173341566a04e00;

    bytes32 private constant WALLET_SET_TYPEHASH =
        keccak256("AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 deadline)");
    bytes32 private constant WALLET_KEY_HASH = keccak256("agentWallet");
    string private constant WALLET_KEY = "agentWallet";
    uint256 private constant MAX_DEADLINE_DELAY = 5 minutes;

    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);
    event MetadataSet(
        uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, bytes metadataValue
    );
    event URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy (version 2, like the deployed registry).
    /// @dev The deployed proxies were first initialised by a placeholder that set the owner, so the
    ///      real initialize is onlyOwner. A fresh proxy deployed with this calldata has no owner yet:
    ///      then the caller (the proxy deployer, atomically in the proxy constructor) becomes owner.
    function initialize() public reinitializer(2) {
        _bootstrapOwner();
        __ERC721_init("AgentIdentity", "AGENT");
        __ERC721URIStorage_init();
        __EIP712_init("ERC8004IdentityRegistry", "1");
        __UUPSUpgradeable_init();
    }

    function register() external returns (uint256 agentId) {
        agentId = _mintAgent();
        emit Registered(agentId, "", msg.sender);
        _setInitialWallet(agentId);
    }

    function register(string memory agentURI) external returns (uint256 agentId) {
        agentId = _mintAgent();
        _setTokenURI(agentId, agentURI);
        emit Registered(agentId, agentURI, msg.sender);
        _setInitialWallet(agentId);
    }

    function register(string memory agentURI, MetadataEntry[] memory metadata) external returns (uint256 agentId) {
        agentId = _mintAgent();
        _setTokenURI(agentId, agentURI);
        emit Registered(agentId, agentURI, msg.sender);
        _setInitialWallet(agentId);
        for (uint256 i; i < metadata.length; i++) {
            _setMetadataChecked(agentId, metadata[i].metadataKey, metadata[i].metadataValue);
        }
    }

    function setAgentURI(uint256 agentId, string calldata newURI) external {
        _requireAuthorized(agentId);
        _setTokenURI(agentId, newURI);
        emit URIUpdated(agentId, newURI, msg.sender);
    }

    function getMetadata(uint256 agentId, string memory metadataKey) external view returns (bytes memory) {
        return _store().metadata[agentId][metadataKey];
    }

    function setMetadata(uint256 agentId, string memory metadataKey, bytes memory metadataValue) external {
        _requireAuthorized(agentId);
        _setMetadataChecked(agentId, metadataKey, metadataValue);
    }

    function getAgentWallet(uint256 agentId) external view returns (address) {
        // bytes -> bytes20 pads short (e.g. cleared, empty) values with zeros, giving address(0).
        return address(bytes20(_store().metadata[agentId][WALLET_KEY]));
    }

    function setAgentWallet(uint256 agentId, address newWallet, uint256 deadline, bytes calldata signature)
        external
    {
        require(newWallet != address(0), "bad wallet");
        require(block.timestamp <= deadline, "expired");
        require(deadline <= block.timestamp + MAX_DEADLINE_DELAY, "deadline too far");
        address agentOwner = _requireAuthorized(agentId);

        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(WALLET_SET_TYPEHASH, agentId, newWallet, agentOwner, deadline)));
        require(_walletSigned(newWallet, digest, signature), "invalid wallet sig");

        _writeWallet(agentId, abi.encodePacked(newWallet));
    }

    function unsetAgentWallet(uint256 agentId) external {
        _requireAuthorized(agentId);
        _writeWallet(agentId, "");
    }

    /// @notice Whether spender is the owner, an approved-for-all operator or the approved address.
    /// @dev Reverts ERC721NonexistentToken for unknown agents; the other registries rely on that.
    function isAuthorizedOrOwner(address spender, uint256 agentId) external view returns (bool) {
        address agentOwner = ownerOf(agentId);
        return _isAuthorized(agentOwner, spender, agentId);
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    /// @dev Every real transfer (not mint) clears the verified wallet, and the clearing MetadataSet
    ///      is emitted BEFORE the Transfer log: indexers rely on that order.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (_ownerOf(tokenId) != address(0) && to != address(0)) {
            _writeWallet(tokenId, "");
        }
        return super._update(to, tokenId, auth);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _mintAgent() private returns (uint256 agentId) {
        agentId = _store().nextId++;
        _safeMint(msg.sender, agentId);
    }

    function _setInitialWallet(uint256 agentId) private {
        _writeWallet(agentId, abi.encodePacked(msg.sender));
    }

    function _writeWallet(uint256 agentId, bytes memory value) private {
        _store().metadata[agentId][WALLET_KEY] = value;
        emit MetadataSet(agentId, WALLET_KEY, WALLET_KEY, value);
    }

    function _setMetadataChecked(uint256 agentId, string memory key, bytes memory value) private {
        require(keccak256(bytes(key)) != WALLET_KEY_HASH, "reserved key");
        _store().metadata[agentId][key] = value;
        emit MetadataSet(agentId, key, key, value);
    }

    function _requireAuthorized(uint256 agentId) private view returns (address agentOwner) {
        agentOwner = ownerOf(agentId);
        require(_isAuthorized(agentOwner, msg.sender, agentId), "Not authorized");
    }

    /// @dev Plain ECDSA for EOAs (reverting ECDSA errors on malformed signatures). A wallet with code
    ///      is accepted if it ECDSA-signed (EIP-7702 delegated EOA) or if ERC-1271 approves.
    function _walletSigned(address wallet, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (wallet.code.length == 0) {
            return ECDSA.recover(digest, signature) == wallet;
        }
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == wallet) {
            return true;
        }
        try IERC1271(wallet).isValidSignature(digest, signature) returns (bytes4 magic) {
            return magic == IERC1271.isValidSignature.selector;
        } catch {
            return false;
        }
    }

    function _bootstrapOwner() private {
        if (owner() == address(0)) {
            __Ownable_init(msg.sender);
        } else {
            _checkOwner();
        }
    }

    function _store() private pure returns (IdentityStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
