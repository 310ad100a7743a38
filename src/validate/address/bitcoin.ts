/**
 * Bitcoin and Litecoin addresses, which share their formats and differ only in prefixes:
 * base58check (a version byte and a 20-byte hash) and segwit (bech32 for witness version 0,
 * bech32m for versions 1 to 16: BIP-173 and BIP-350).
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { bech32, bech32m } from '@scure/base';
import { joinOr } from '../text.js';
import {
  CHECKSUM_MISMATCH,
  COPY_AGAIN,
  decodeBase58Check,
  findNonBase58,
  strayCharacter,
  type AddressFault,
} from './common.js';

/** The prefixes that tell one Bitcoin-like chain from another. */
export interface BitcoinLikeChain {
  /** The chain's name in messages. */
  name: string;
  /** The segwit human-readable part on mainnet (`bc`). */
  hrp: string;
  /** The segwit human-readable parts of its test networks, refused by name. */
  testHrps: readonly string[];
  /** The base58check version bytes of mainnet, with the first character they produce. */
  versions: ReadonlyMap<number, string>;
  /** The base58check version bytes of its test networks, refused by name. */
  testVersions: readonly number[];
}

/** Bitcoin mainnet: P2PKH (0x00, `1…`), P2SH (0x05, `3…`), segwit `bc1…`. */
export const BITCOIN: BitcoinLikeChain = {
  name: 'Bitcoin',
  hrp: 'bc',
  testHrps: ['tb', 'bcrt'],
  versions: new Map([
    [0x00, '1'],
    [0x05, '3'],
  ]),
  testVersions: [0x6f, 0xc4],
};

/**
 * Litecoin mainnet: P2PKH (0x30, `L…`), P2SH (0x32, `M…`), segwit `ltc1…`, and the legacy P2SH
 * version 0x05 (`3…`). Litecoin first shared Bitcoin's 0x05 and moved to 0x32 later; wallets
 * still show and accept `3…` addresses, so they are valid here, though the same text is also a
 * Bitcoin address and no check can tell which chain the recipient meant.
 */
export const LITECOIN: BitcoinLikeChain = {
  name: 'Litecoin',
  hrp: 'ltc',
  testHrps: ['tltc', 'rltc'],
  versions: new Map([
    [0x30, 'L'],
    [0x32, 'M'],
    [0x05, '3'],
  ]),
  testVersions: [0x6f, 0xc4, 0x3a],
};

const BECH32_STRAY = /[^qpzry9x8gf2tvdw0s3jn54khce6mua7l]/;

/** Checks a Bitcoin address (already free of surrounding spaces). */
export function checkBitcoinAddress(address: string): AddressFault {
  return checkBitcoinLikeAddress(address, BITCOIN);
}

/** Checks a Litecoin address (already free of surrounding spaces). */
export function checkLitecoinAddress(address: string): AddressFault {
  return checkBitcoinLikeAddress(address, LITECOIN);
}

/** Checks an address of a Bitcoin-like chain, segwit or base58check. */
export function checkBitcoinLikeAddress(address: string, chain: BitcoinLikeChain): AddressFault {
  const lower = address.toLowerCase();
  if (lower.startsWith(`${chain.hrp}1`)) return checkSegwit(address, lower, chain);
  const testHrp = chain.testHrps.find((hrp) => lower.startsWith(`${hrp}1`));
  if (testHrp !== undefined) return testnet(chain, `${testHrp}1…`);
  return checkBase58(address, chain);
}

function checkSegwit(address: string, lower: string, chain: BitcoinLikeChain): AddressFault {
  const invalid = notValid(chain);
  // BIP-173: either case is valid, a mix is not (the checksum covers the lowercase form only).
  if (address !== lower && address !== address.toUpperCase()) {
    return `the address mixes capital and small letters, which a ${chain.hrp}1 address never does; ${COPY_AGAIN}`;
  }
  const data = lower.slice(chain.hrp.length + 1);
  const stray = BECH32_STRAY.exec(data)?.[0];
  if (stray !== undefined) {
    return strayCharacter(stray, `a ${chain.hrp}1 address after its prefix (bech32 has no 1, b, i or o)`);
  }
  if (data.length < 6) return invalid('it is too short');
  const asBech32 = bech32.decodeUnsafe(lower);
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(lower);
  const decoded = asBech32 ?? asBech32m;
  if (!decoded) return lower.length > 90 ? invalid('it is too long') : CHECKSUM_MISMATCH;
  const [version, ...programWords] = decoded.words;
  if (version === undefined) return invalid('it holds no data');
  if (version > 16) return invalid(`its witness version ${version} does not exist`);
  // BIP-350: version 0 keeps the bech32 checksum, versions 1 to 16 use bech32m; the other
  // checksum on the same text means it was made by outdated software or altered.
  if ((version === 0) !== (asBech32 !== undefined)) {
    return `the checksum is of the wrong kind for this address version (bech32 and bech32m differ): it was mistyped or made by outdated software; ask the recipient for the address again`;
  }
  const program = bech32.fromWordsUnsafe(programWords);
  if (!program) return invalid('its last characters do not decode (bad padding)');
  if (program.length < 2 || program.length > 40) {
    return invalid(`its witness program has ${program.length} byte${program.length === 1 ? '' : 's'}, not 2 to 40`);
  }
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    return invalid(`a version 0 witness program has 20 or 32 bytes, not ${program.length}`);
  }
  return undefined;
}

function checkBase58(address: string, chain: BitcoinLikeChain): AddressFault {
  const stray = findNonBase58(address);
  if (stray !== undefined) return strayCharacter(stray, `a ${chain.name} address (base58 has no 0, O, I or l)`);
  const decoded = decodeBase58Check(address, 21);
  if (!decoded.ok) return decoded.fault === 'checksum' ? CHECKSUM_MISMATCH : notChain(chain);
  const version = decoded.version;
  if (chain.versions.has(version)) return undefined;
  if (chain.testVersions.includes(version)) return testnet(chain, `${address[0] ?? ''}…`);
  return notChain(chain);
}

/** The forms of the chain's mainnet addresses, for messages: "bc1…, 1… or 3…". */
function mainnetForms(chain: BitcoinLikeChain): string {
  return joinOr([`${chain.hrp}1…`, ...[...chain.versions.values()].map((c) => `${c}…`)]);
}

function testnet(chain: BitcoinLikeChain, shown: string): string {
  return `this is a ${chain.name} testnet address (${shown}), which holds no real coins: ask the recipient for a ${chain.name} mainnet address (${mainnetForms(chain)})`;
}

function notChain(chain: BitcoinLikeChain): string {
  return `this is not a ${chain.name} address, which starts with ${mainnetForms(chain)}; ${COPY_AGAIN}`;
}

function notValid(chain: BitcoinLikeChain): (why: string) => string {
  return (why) => `this is not a valid ${chain.name} address: ${why}; ${COPY_AGAIN}`;
}
