// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The slice of IdentityRegistry that the Reputation and Validation registries call.
interface IIdentityAuth {
    /// @notice True for the owner, an approved-for-all operator or the approved address of agentId;
    ///         reverts ERC721NonexistentToken when the agent does not exist.
    function isAuthorizedOrOwner(address spender, uint256 agentId) external view returns (bool);
}
