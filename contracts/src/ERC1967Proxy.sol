// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Pulls OpenZeppelin's ERC1967Proxy into the compilation so build.js can emit its ABI and bytecode.
// constructor(address implementation, bytes data): emits Upgraded and delegatecalls data (initialize).
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
