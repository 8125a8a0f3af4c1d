#!/usr/bin/env node
// Compiles contracts/src with the pinned solc-js and writes, for every deployable contract the Go
// package needs, abi/<Name>.abi.json (pretty JSON) and abi/<Name>.bin (hex, no 0x, no newline).
// Run from contracts/ (the Makefile's `contracts` target does: npm ci && node build.js).
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = __dirname;
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, 'abi');

// Pinned compiler settings: the EVM version must run on go-ethereum's simulated backend.
const EXPECTED_SOLC = '0.8.28';
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  viaIR: true, // readAllFeedback / giveFeedback exceed the legacy stack
  metadata: { bytecodeHash: 'none' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

// source file (relative to src/) -> contract name written to abi/.
const TARGETS = [
  ['IdentityRegistry.sol', 'IdentityRegistry'],
  ['ReputationRegistry.sol', 'ReputationRegistry'],
  ['ValidationRegistry.sol', 'ValidationRegistry'],
  ['@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol', 'ERC1967Proxy'],
  ['test/ERC1271Wallet.sol', 'ERC1271Wallet'],
  ['test/PaymentToken.sol', 'PaymentToken'],
];

// EIP-170: the simulated backend rejects larger runtime code.
const MAX_RUNTIME_BYTES = 24576;

function listSol(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSol(full));
    else if (entry.name.endsWith('.sol')) out.push(full);
  }
  return out.sort();
}

function findImport(importPath) {
  const candidates = [path.join(ROOT, 'node_modules', importPath), path.join(SRC, importPath)];
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

function main() {
  const version = solc.version();
  if (!version.startsWith(EXPECTED_SOLC + '+')) {
    throw new Error(`solc ${version} loaded, want ${EXPECTED_SOLC} (run npm ci)`);
  }

  const sources = {};
  for (const file of listSol(SRC)) {
    // Source unit names are relative to src/ so relative imports ("./interfaces/...") resolve.
    const unit = path.relative(SRC, file).split(path.sep).join('/');
    sources[unit] = { content: fs.readFileSync(file, 'utf8') };
  }

  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));

  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) console.error(e.formattedMessage || e.message);
  if (errors.length > 0) throw new Error(`${errors.length} compilation error(s)`);

  fs.mkdirSync(OUT, { recursive: true });
  for (const [unit, name] of TARGETS) {
    const c = output.contracts[unit] && output.contracts[unit][name];
    if (!c) throw new Error(`contract ${unit}:${name} missing from solc output`);
    const runtime = c.evm.deployedBytecode.object.length / 2;
    if (runtime > MAX_RUNTIME_BYTES) {
      throw new Error(`${name}: runtime code ${runtime} bytes exceeds EIP-170 limit`);
    }
    fs.writeFileSync(path.join(OUT, `${name}.abi.json`), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(OUT, `${name}.bin`), c.evm.bytecode.object);
    console.log(`${name}: ${c.evm.bytecode.object.length / 2} bytes initcode, ${runtime} bytes runtime`);
  }
  console.log(`compiled with solc ${version}`);
}

try {
  main();
} catch (err) {
  console.error(`build failed: ${err.message}`);
  process.exit(1);
}
