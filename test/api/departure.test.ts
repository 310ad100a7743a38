/**
 * When a request left, and whether it left at all, as the client learns it from the HTTP
 * client's diagnostics channels: real connections on 127.0.0.1, a real TLS handshake refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { createClient } from '../../src/api/client.js';
import type { ValidPayout } from '../../src/core/types.js';
import { makeCertificate, startTlsFront, type Certificate, type TlsFront } from '../helpers/tls-front.js';
import { tempDir } from '../helpers/payroll.js';
import { startRawServer, type RawServer } from './raw-server.js';
import { refusedPort } from '../helpers/refused-port.js';

const KEY = 'departure-key-5c2e8a1f7b';
const PAYOUT: ValidPayout = {
  currencyCode: 'USDT_TRC20',
  toAddress: 'TT2T11KZhoDu48i2p4FWxfG79zdkEWkU9N',
  amount: '12.5',
};
const ACCEPTED = JSON.stringify({ status: 'success', result: { invoice_id: 'INV-DEPART01' } });

let dir: string;
let certificate: Certificate;
const opened: Array<RawServer | TlsFront> = [];

beforeAll(() => {
  dir = tempDir();
  certificate = makeCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(opened.splice(0).map((server) => server.close()));
});

async function acceptingServer(): Promise<RawServer> {
  const server = await startRawServer((_request, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(ACCEPTED);
  });
  opened.push(server);
  return server;
}

/** A TLS server with a certificate nobody trusts, in front of a server that would accept. */
async function selfSignedApi(): Promise<{ front: TlsFront; behind: RawServer }> {
  const behind = await acceptingServer();
  const front = await startTlsFront(certificate, Number(new URL(behind.url).port));
  opened.push(front);
  return { front, behind };
}

const send = (baseUrl: string, timeoutMs = 2000) =>
  createClient({ baseUrl, apiKey: KEY, timeoutMs }).sendWithdrawal(PAYOUT);

describe('a request whose bytes were never written', () => {
  it('is never_sent when the TLS certificate is refused, and nothing reaches the server', async () => {
    const { front, behind } = await selfSignedApi();
    const attempt = await send(front.url);
    expect(attempt.outcome).toEqual({
      kind: 'never_sent',
      message: expect.stringMatching(
        /^the secure connection to the API failed: its certificate or the TLS handshake was refused \(.*self-signed.*\); nothing was sent$/,
      ),
    });
    expect(attempt.startedAt).toBeUndefined();
    expect(front.connections()).toBe(1);
    expect(front.bytesPassed()).toBe(0);
    expect(behind.requests).toEqual([]);
  });

  it('is never_sent when the connection is refused', async () => {
    const attempt = await send(`http://127.0.0.1:${await refusedPort()}`);
    expect(attempt.outcome).toEqual({
      kind: 'never_sent',
      message: 'the API host refused the connection (ECONNREFUSED); nothing was sent',
    });
    expect(attempt.startedAt).toBeUndefined();
  });

  it('is never_sent when the address cannot be reached (a prefix that is routed nowhere)', async () => {
    // 100::/64 is the IPv6 discard prefix: unreachable, or no IPv6 at all, or no connection in time.
    const attempt = await send('https://[100::1]', 500);
    expect(attempt.outcome).toMatchObject({ kind: 'never_sent', message: expect.stringContaining('nothing was sent') });
    expect(attempt.startedAt).toBeUndefined();
  });
});

describe('a request whose bytes were written', () => {
  it('is unknown when the server then drops the connection, and left when its headers were written', async () => {
    const server = await startRawServer((_request, _res, req) => req.socket.destroy());
    opened.push(server);
    const before = Date.now();
    const attempt = await send(server.url);
    expect(attempt.outcome).toMatchObject({
      kind: 'unknown',
      message: expect.stringContaining('may or may not have been created'),
    });
    expect(server.requests).toHaveLength(1);
    expect(attempt.startedAt).toBeGreaterThanOrEqual(before);
    expect(attempt.endedAt).toBeGreaterThanOrEqual(attempt.startedAt ?? Infinity);
  });

  it('left before it arrived and before its answer', async () => {
    const arrivals: number[] = [];
    const server = await startRawServer((_request, res) => {
      arrivals.push(Date.now());
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(ACCEPTED);
    });
    opened.push(server);
    const attempt = await send(server.url);
    expect(attempt.outcome).toEqual({ kind: 'accepted', invoiceId: 'INV-DEPART01' });
    expect(attempt.startedAt).toBeLessThanOrEqual(arrivals[0] ?? 0);
    expect(attempt.endedAt).toBeGreaterThanOrEqual(arrivals[0] ?? Infinity);
  });
});

describe('requests in flight at once', () => {
  it('each carry their own id and keep their own departure', async () => {
    const good = await acceptingServer();
    const { front, behind } = await selfSignedApi();
    const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i % 2 === 0 ? good.url : front.url)));
    attempts.forEach((attempt, i) => {
      if (i % 2 === 0) {
        expect(attempt.outcome.kind).toBe('accepted');
        expect(attempt.startedAt).toEqual(expect.any(Number));
      } else {
        expect(attempt.outcome.kind).toBe('never_sent');
        expect(attempt.startedAt).toBeUndefined();
      }
    });
    const ids = good.requests.map((request) => request.headers['x-request-id']);
    expect(new Set(ids).size).toBe(4);
    expect(behind.requests).toEqual([]);
  });
});
