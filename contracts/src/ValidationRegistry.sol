// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IIdentityAuth} from "./interfaces/IIdentityAuth.sol";

/// @title ERC-8004 v2.0 Validation Registry (indexer test implementation)
/// @notice Written from the indexer's SPEC.md §2.3. A request names one validator, who may answer
///         any number of times; the latest answer overwrites the stored status.
contract ValidationRegistry is OwnableUpgradeable, UUPSUpgradeable {
    struct Status {
        address validatorAddress;
        uint8 response;
        bool hasResponse;
        uint256 agentId;
        bytes32 responseHash;
        string tag;
        uint256 lastUpdate;
    }

    /// @custom:storage-location erc7201:erc8004.validation.registry
    struct ValidationStorage {
        address identityRegistry;
        mapping(bytes32 requestHash => Status) statuses;
        mapping(uint256 agentId => bytes32[]) agentRequests;
        mapping(address validator => bytes32[]) validatorRequests;
    }

    // keccak256(abi.encode(uint256(keccak256("erc8004.validation.registry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x21543a2dd0df813994fbf82c69c61d1aafcdce183d68d2ef40068bdce1481100;

    uint8 private constant MAX_RESPONSE = 100;

    event ValidationRequest(
        address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash
    );
    event ValidationResponse(
        address indexed validatorAddress,
        uint256 indexed agentId,
        bytes32 indexed requestHash,
        uint8 response,
        string responseURI,
        bytes32 responseHash,
        string tag
    );

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy (version 2). A fresh proxy's deployer becomes owner; on an
    ///         already-owned proxy (the deployed upgrade flow) only the owner may call it.
    function initialize(address identityRegistry_) public reinitializer(2) {
        if (owner() == address(0)) {
            __Ownable_init(msg.sender);
        } else {
            _checkOwner();
        }
        __UUPSUpgradeable_init();
        require(identityRegistry_ != address(0), "bad identity");
        _store().identityRegistry = identityRegistry_;
    }

    function getIdentityRegistry() external view returns (address) {
        return _store().identityRegistry;
    }

    function validationRequest(address validatorAddress, uint256 agentId, string calldata requestURI, bytes32 requestHash)
        external
    {
        ValidationStorage storage $ = _store();
        require(validatorAddress != address(0), "bad validator");
        require($.statuses[requestHash].validatorAddress == address(0), "exists");
        // Reverts ERC721NonexistentToken (bubbled up) for unknown agents.
        require(IIdentityAuth($.identityRegistry).isAuthorizedOrOwner(msg.sender, agentId), "Not authorized");

        Status storage s = $.statuses[requestHash];
        s.validatorAddress = validatorAddress;
        s.agentId = agentId;
        s.lastUpdate = block.timestamp;
        $.agentRequests[agentId].push(requestHash);
        $.validatorRequests[validatorAddress].push(requestHash);
        emit ValidationRequest(validatorAddress, agentId, requestURI, requestHash);
    }

    function validationResponse(
        bytes32 requestHash,
        uint8 response,
        string calldata responseURI,
        bytes32 responseHash,
        string calldata tag
    ) external {
        require(response <= MAX_RESPONSE, "resp>100");
        Status storage s = _store().statuses[requestHash];
        require(s.validatorAddress != address(0), "unknown");
        require(msg.sender == s.validatorAddress, "not validator");
        s.response = response;
        s.responseHash = responseHash;
        s.tag = tag;
        s.lastUpdate = block.timestamp;
        s.hasResponse = true;
        emit ValidationResponse(s.validatorAddress, s.agentId, requestHash, response, responseURI, responseHash, tag);
    }

    function getValidationStatus(bytes32 requestHash)
        external
        view
        returns (
            address validatorAddress,
            uint256 agentId,
            uint8 response,
            bytes32 responseHash,
            string memory tag,
            uint256 lastUpdate
        )
    {
        Status storage s = _store().statuses[requestHash];
        require(s.validatorAddress != address(0), "unknown");
        return (s.validatorAddress, s.agentId, s.response, s.responseHash, s.tag, s.lastUpdate);
    }

    /// @notice Count and floor average of the latest responses of the agent's answered requests,
    ///         optionally restricted to some validators and to an exact tag.
    function getSummary(uint256 agentId, address[] calldata validatorAddresses, string calldata tag)
        external
        view
        returns (uint64 count, uint8 avgResponse)
    {
        ValidationStorage storage $ = _store();
        bytes32[] storage hashes = $.agentRequests[agentId];
        bool anyTag = bytes(tag).length == 0;
        bytes32 tagHash = keccak256(bytes(tag));
        uint256 total;
        for (uint256 i; i < hashes.length; i++) {
            Status storage s = $.statuses[hashes[i]];
            if (!s.hasResponse) continue;
            if (!anyTag && keccak256(bytes(s.tag)) != tagHash) continue;
            if (!_listed(validatorAddresses, s.validatorAddress)) continue;
            total += s.response;
            count++;
        }
        if (count > 0) {
            avgResponse = uint8(total / count);
        }
    }

    function getAgentValidations(uint256 agentId) external view returns (bytes32[] memory) {
        return _store().agentRequests[agentId];
    }

    function getValidatorRequests(address validatorAddress) external view returns (bytes32[] memory) {
        return _store().validatorRequests[validatorAddress];
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    /// @dev An empty filter matches everyone; duplicates in the filter do not double-count.
    function _listed(address[] calldata filter, address who) private pure returns (bool) {
        if (filter.length == 0) return true;
        for (uint256 j; j < filter.length; j++) {
            if (filter[j] == who) return true;
        }
        return false;
    }

    function _store() private pure returns (ValidationStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
