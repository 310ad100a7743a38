/**
 * Jest setup (every test file): the payment history goes to a fresh temp folder, never to the
 * user's real state directory, whichever test forgets to name one. Child processes inherit it.
 * They do not inherit Jest's own NODE_OPTIONS (--experimental-vm-modules): the built CLI does not
 * need it, and each child started with it costs about 3 % more CPU.
 */
import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const stateDir = mkdtempSync(join(tmpdir(), 'payout-state-'));
process.env.PAYOUT_STATE_DIR = stateDir;
delete process.env.XDG_STATE_HOME;
delete process.env.NODE_OPTIONS;
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
