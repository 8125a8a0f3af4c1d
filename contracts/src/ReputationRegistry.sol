// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IIdentityAuth} from "./interfaces/IIdentityAuth.sol";

/// @title ERC-8004 v2.0 Reputation Registry (indexer test implementation)
/// @notice Written from the indexer's SPEC.md §2.2: signed fixed-point feedback, 1-based indexes per
///         (agent, client), revocation by the client, responses by anyone, and the WAD/mode summary.
contract ReputationRegistry is OwnableUpgradeable, UUPSUpgradeable {
    struct Feedback {
        int128 value;
        uint8 valueDecimals;
        bool isRevoked;
        string tag1;
        string tag2;
    }

    /// @custom:storage-location erc7201:erc8004.reputation.registry.2
    struct ReputationStorage {
        address identityRegistry;
        mapping(uint256 agentId => mapping(address client => mapping(uint64 index => Feedback))) feedback;
        mapping(uint256 agentId => mapping(address client => uint64)) lastIndex;
        mapping(uint256 agentId => address[]) clients;
        mapping(uint256 agentId => mapping(address client => bool)) isClient;
        mapping(uint256 agentId => mapping(address client => mapping(uint64 index => address[]))) responders;
        mapping(uint256 agentId => mapping(address client => mapping(uint64 index => mapping(address => uint64))))
            responseCount;
    }

    // keccak256(abi.encode(uint256(keccak256("erc8004.reputation.registry.2")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xa03d7693f2b3746b2d03f163c788147b71aa82854399a21fdf4de143ba778300;

    uint8 private constant MAX_DECIMALS = 18;
    int128 private constant MAX_ABS_VALUE = 1e38;
    bytes32 private constant EMPTY_HASH = keccak256("");

    event NewFeedback(
        uint256 indexed agentId,
        address indexed clientAddress,
        uint64 feedbackIndex,
        int128 value,
        uint8 valueDecimals,
        string indexed indexedTag1,
        string tag1,
        string tag2,
        string endpoint,
        string feedbackURI,
        bytes32 feedbackHash
    );
    event FeedbackRevoked(uint256 indexed agentId, address indexed clientAddress, uint64 indexed feedbackIndex);
    event ResponseAppended(
        uint256 indexed agentId,
        address indexed clientAddress,
        uint64 feedbackIndex,
        address indexed responder,
        string responseURI,
        bytes32 responseHash
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

    function giveFeedback(
        uint256 agentId,
        int128 value,
        uint8 valueDecimals,
        string calldata tag1,
        string calldata tag2,
        string calldata endpoint,
        string calldata feedbackURI,
        bytes32 feedbackHash
    ) external {
        require(valueDecimals <= MAX_DECIMALS, "too many decimals");
        require(value >= -MAX_ABS_VALUE && value <= MAX_ABS_VALUE, "value too large");
        ReputationStorage storage $ = _store();
        // Reverts ERC721NonexistentToken (bubbled up) for unknown agents.
        require(
            !IIdentityAuth($.identityRegistry).isAuthorizedOrOwner(msg.sender, agentId), "Self-feedback not allowed"
        );

        uint64 index = ++$.lastIndex[agentId][msg.sender];
        $.feedback[agentId][msg.sender][index] =
            Feedback({value: value, valueDecimals: valueDecimals, isRevoked: false, tag1: tag1, tag2: tag2});
        if (!$.isClient[agentId][msg.sender]) {
            $.isClient[agentId][msg.sender] = true;
            $.clients[agentId].push(msg.sender);
        }
        emit NewFeedback(
            agentId, msg.sender, index, value, valueDecimals, tag1, tag1, tag2, endpoint, feedbackURI, feedbackHash
        );
    }

    function revokeFeedback(uint256 agentId, uint64 feedbackIndex) external {
        ReputationStorage storage $ = _store();
        _requireIndex($, agentId, msg.sender, feedbackIndex);
        Feedback storage fb = $.feedback[agentId][msg.sender][feedbackIndex];
        require(!fb.isRevoked, "Already revoked");
        fb.isRevoked = true;
        emit FeedbackRevoked(agentId, msg.sender, feedbackIndex);
    }

    function appendResponse(
        uint256 agentId,
        address clientAddress,
        uint64 feedbackIndex,
        string calldata responseURI,
        bytes32 responseHash
    ) external {
        require(bytes(responseURI).length > 0, "Empty URI");
        ReputationStorage storage $ = _store();
        _requireIndex($, agentId, clientAddress, feedbackIndex);
        mapping(address => uint64) storage counts = $.responseCount[agentId][clientAddress][feedbackIndex];
        if (counts[msg.sender] == 0) {
            $.responders[agentId][clientAddress][feedbackIndex].push(msg.sender);
        }
        counts[msg.sender]++;
        emit ResponseAppended(agentId, clientAddress, feedbackIndex, msg.sender, responseURI, responseHash);
    }

    function getLastIndex(uint256 agentId, address clientAddress) external view returns (uint64) {
        return _store().lastIndex[agentId][clientAddress];
    }

    function readFeedback(uint256 agentId, address clientAddress, uint64 feedbackIndex)
        external
        view
        returns (int128 value, uint8 valueDecimals, string memory tag1, string memory tag2, bool isRevoked)
    {
        ReputationStorage storage $ = _store();
        _requireIndex($, agentId, clientAddress, feedbackIndex);
        Feedback storage fb = $.feedback[agentId][clientAddress][feedbackIndex];
        return (fb.value, fb.valueDecimals, fb.tag1, fb.tag2, fb.isRevoked);
    }

    /// @notice Lists feedback of the given clients (all clients, in first-feedback order, when empty),
    ///         index 1..last each, filtered by exact tags when non-empty.
    function readAllFeedback(
        uint256 agentId,
        address[] calldata clientAddresses,
        string calldata tag1,
        string calldata tag2,
        bool includeRevoked
    )
        external
        view
        returns (
            address[] memory clients,
            uint64[] memory feedbackIndexes,
            int128[] memory values,
            uint8[] memory valueDecimals,
            string[] memory tag1s,
            string[] memory tag2s,
            bool[] memory revokedStatuses
        )
    {
        ReputationStorage storage $ = _store();
        address[] memory list = clientAddresses;
        if (list.length == 0) list = $.clients[agentId];
        bytes32 h1 = keccak256(bytes(tag1));
        bytes32 h2 = keccak256(bytes(tag2));

        uint256 n;
        for (uint256 i; i < list.length; i++) {
            uint64 last = $.lastIndex[agentId][list[i]];
            for (uint64 j = 1; j <= last; j++) {
                if (_selected($.feedback[agentId][list[i]][j], h1, h2, includeRevoked)) n++;
            }
        }

        clients = new address[](n);
        feedbackIndexes = new uint64[](n);
        values = new int128[](n);
        valueDecimals = new uint8[](n);
        tag1s = new string[](n);
        tag2s = new string[](n);
        revokedStatuses = new bool[](n);

        uint256 k;
        for (uint256 i; i < list.length; i++) {
            uint64 last = $.lastIndex[agentId][list[i]];
            for (uint64 j = 1; j <= last; j++) {
                Feedback storage fb = $.feedback[agentId][list[i]][j];
                if (!_selected(fb, h1, h2, includeRevoked)) continue;
                clients[k] = list[i];
                feedbackIndexes[k] = j;
                values[k] = fb.value;
                valueDecimals[k] = fb.valueDecimals;
                tag1s[k] = fb.tag1;
                tag2s[k] = fb.tag2;
                revokedStatuses[k] = fb.isRevoked;
                k++;
            }
        }
    }

    /// @notice Average of the non-revoked feedback of the given clients, expressed with the most
    ///         frequent valueDecimals (ties: the smallest).
    /// @dev Each value is scaled to 18 decimals (WAD) before summing; the average uses Solidity's
    ///      signed division (truncation toward zero), then is scaled down to the mode's decimals and
    ///      narrowed with int128(), which truncates high bits without reverting.
    function getSummary(uint256 agentId, address[] calldata clientAddresses, string calldata tag1, string calldata tag2)
        external
        view
        returns (uint64 count, int128 summaryValue, uint8 summaryValueDecimals)
    {
        require(clientAddresses.length > 0, "clientAddresses required");
        ReputationStorage storage $ = _store();
        bytes32 h1 = keccak256(bytes(tag1));
        bytes32 h2 = keccak256(bytes(tag2));

        int256 sum;
        uint64[19] memory decimalCounts;
        for (uint256 i; i < clientAddresses.length; i++) {
            uint64 last = $.lastIndex[agentId][clientAddresses[i]];
            for (uint64 j = 1; j <= last; j++) {
                Feedback storage fb = $.feedback[agentId][clientAddresses[i]][j];
                if (!_selected(fb, h1, h2, false)) continue;
                sum += int256(fb.value) * int256(10 ** (MAX_DECIMALS - fb.valueDecimals));
                decimalCounts[fb.valueDecimals]++;
                count++;
            }
        }
        if (count == 0) {
            return (0, 0, 0);
        }

        uint8 mode;
        for (uint8 d = 1; d <= MAX_DECIMALS; d++) {
            if (decimalCounts[d] > decimalCounts[mode]) mode = d;
        }
        summaryValue = int128((sum / int256(uint256(count))) / int256(10 ** (MAX_DECIMALS - mode)));
        summaryValueDecimals = mode;
    }

    /// @notice Counts responses: clientAddress 0 = all clients, feedbackIndex 0 = all of the client's
    ///         feedback, empty responders = every responder.
    function getResponseCount(
        uint256 agentId,
        address clientAddress,
        uint64 feedbackIndex,
        address[] calldata responders
    ) external view returns (uint64 count) {
        ReputationStorage storage $ = _store();
        if (clientAddress == address(0)) {
            address[] storage all = $.clients[agentId];
            for (uint256 i; i < all.length; i++) {
                count += _clientResponses($, agentId, all[i], responders);
            }
        } else if (feedbackIndex == 0) {
            count = _clientResponses($, agentId, clientAddress, responders);
        } else {
            count = _responses($, agentId, clientAddress, feedbackIndex, responders);
        }
    }

    function getClients(uint256 agentId) external view returns (address[] memory) {
        return _store().clients[agentId];
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _clientResponses(
        ReputationStorage storage $,
        uint256 agentId,
        address client,
        address[] calldata responders
    ) private view returns (uint64 count) {
        uint64 last = $.lastIndex[agentId][client];
        for (uint64 j = 1; j <= last; j++) {
            count += _responses($, agentId, client, j, responders);
        }
    }

    function _responses(
        ReputationStorage storage $,
        uint256 agentId,
        address client,
        uint64 index,
        address[] calldata responders
    ) private view returns (uint64 count) {
        mapping(address => uint64) storage counts = $.responseCount[agentId][client][index];
        if (responders.length == 0) {
            address[] storage all = $.responders[agentId][client][index];
            for (uint256 k; k < all.length; k++) {
                count += counts[all[k]];
            }
        } else {
            for (uint256 k; k < responders.length; k++) {
                count += counts[responders[k]];
            }
        }
    }

    function _selected(Feedback storage fb, bytes32 h1, bytes32 h2, bool includeRevoked)
        private
        view
        returns (bool)
    {
        if (fb.isRevoked && !includeRevoked) return false;
        if (h1 != EMPTY_HASH && keccak256(bytes(fb.tag1)) != h1) return false;
        if (h2 != EMPTY_HASH && keccak256(bytes(fb.tag2)) != h2) return false;
        return true;
    }

    function _requireIndex(ReputationStorage storage $, uint256 agentId, address client, uint64 index) private view {
        require(index > 0, "index must be > 0");
        require(index <= $.lastIndex[agentId][client], "index out of bounds");
    }

    function _store() private pure returns (ReputationStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
