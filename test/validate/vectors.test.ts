/**
 * Published test vectors (fixtures/vectors/), each also checked against its source's own data
 * (scriptPubKey, payload, raw form) with libraries independent of the code under test.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { base58, base64, base64url, bech32, bech32m, hex } from '@scure/base';
import type { Network } from '../../src/core/currencies.js';
import { checkAddress } from '../../src/validate/address/index.js';
import { toEip55 } from './encoders.js';

interface Entry {
  address: string;
  scriptPubKey?: string;
  payload?: string;
  now?: string;
  why?: string;
}
interface SegwitVectors {
  valid: Entry[];
  invalid: Entry[];
}
interface Family {
  valid: Entry[];
  testnet?: Entry[];
  raw?: string;
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/vectors/${name}`, import.meta.url), 'utf8')) as T;
}

const bip173 = load<SegwitVectors>('bip173.json');
const bip350 = load<SegwitVectors>('bip350.json');
const eip55 = load<{ allCaps: string[]; allLower: string[]; checksummed: string[] }>('eip55.json');
const known = load<Record<'tron' | 'solana' | 'ton' | 'bitcoin' | 'litecoin', Family>>('addresses.json');

/** The scriptPubKey a segwit address stands for, decoded with @scure/base alone. */
function scriptPubKey(address: string): string {
  const lower = address.toLowerCase();
  const decoded = bech32.decodeUnsafe(lower) ?? bech32m.decodeUnsafe(lower);
  if (!decoded) throw new Error(`not bech32: ${address}`);
  const [version = 0, ...words] = decoded.words;
  const program = bech32.fromWords(words);
  return hex.encode(Uint8Array.from([version === 0 ? 0 : 0x50 + version, program.length, ...program]));
}

describe('BIP-173 and BIP-350 segwit vectors (Bitcoin mainnet)', () => {
  for (const [name, vectors] of [
    ['BIP-173', bip173],
    ['BIP-350', bip350],
  ] as const) {
    it.each(vectors.valid.map((v): [string, Entry] => [v.address, v]))(`${name} valid %s`, (address, v) => {
      // The vector itself: it decodes to the scriptPubKey the BIP states.
      expect(scriptPubKey(address)).toBe(v.scriptPubKey);
      const reason = checkAddress('bitcoin', address);
      if (v.now === 'valid') expect(reason).toBeUndefined();
      else if (v.now === 'testnet') expect(reason).toMatch(/^this is a Bitcoin testnet address \(tb1…\)/);
      else expect(reason).toMatch(/checksum is of the wrong kind/);
    });
    it.each(vectors.invalid.map((v): [string, string] => [v.address, v.why ?? '']))(
      `${name} invalid %s (%s)`,
      (address) => {
        expect(checkAddress('bitcoin', address)).toEqual(expect.any(String));
      },
    );
  }
});

describe('EIP-55 vectors', () => {
  /** The EIP-55 form of an address, computed by the tests' own encoder. */
  const toChecksum = (address: string): string => toEip55(hex.decode(address.slice(2).toLowerCase()));

  it.each([...eip55.allCaps, ...eip55.allLower, ...eip55.checksummed])(
    '%s is its own EIP-55 form and valid',
    (address) => {
      expect(toChecksum(address)).toBe(address);
      expect(checkAddress('evm', address)).toBeUndefined();
    },
  );

  it.each(eip55.checksummed)('the lowercase and uppercase forms of %s are valid (no checksum)', (address) => {
    expect(checkAddress('evm', address.toLowerCase())).toBeUndefined();
    expect(checkAddress('evm', `0x${address.slice(2).toUpperCase()}`)).toBeUndefined();
  });

  it.each(eip55.checksummed)('every single case flip of %s is refused', (address) => {
    for (let i = 2; i < address.length; i++) {
      const c = address[i] ?? '';
      if (!/[a-fA-F]/.test(c)) continue;
      const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      const mutant = address.slice(0, i) + flipped + address.slice(i + 1);
      const hexPart = mutant.slice(2);
      if (hexPart === hexPart.toLowerCase() || hexPart === hexPart.toUpperCase()) continue;
      expect(checkAddress('evm', mutant)).toMatch(/^the checksum does not match/);
    }
  });
});

describe('known real addresses', () => {
  const families: Array<[keyof typeof known, Network]> = [
    ['tron', 'tron'],
    ['solana', 'solana'],
    ['ton', 'ton'],
    ['bitcoin', 'bitcoin'],
    ['litecoin', 'litecoin'],
  ];
  for (const [key, network] of families) {
    it.each(known[key].valid.map((v): [string, Entry] => [v.address, v]))(`${key}: %s is valid`, (address, v) => {
      expect(checkAddress(network, address)).toBeUndefined();
      if (v.payload) expect(hex.encode(base58.decode(address)).startsWith(v.payload)).toBe(true);
    });
    const testnet = known[key].testnet ?? [];
    if (testnet.length > 0) {
      it.each(testnet.map((v) => v.address))(`${key}: %s is refused as a testnet address`, (address) => {
        expect(checkAddress(network, address)).toMatch(/testnet address/);
      });
    }
  }

  it('the TON user-friendly forms hold the documented raw account', () => {
    const rawHash = known.ton.raw?.split(':')[1];
    for (const { address } of known.ton.valid.filter((v) => !v.address.includes(':'))) {
      const bytes = (/[-_]/.test(address) ? base64url : base64).decode(address);
      expect(hex.encode(bytes.subarray(2, 34))).toBe(rawHash);
      expect(bytes[1]).toBe(0); // workchain 0
    }
  });
});
