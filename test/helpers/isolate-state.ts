/**
 * Jest setup (every test file): the payment history goes to a fresh temp folder, never to the
 * user's real state directory, whichever test forgets to name one. Child processes inherit it.
 */
import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const stateDir = mkdtempSync(join(tmpdir(), 'payout-state-'));
process.env.PAYOUT_STATE_DIR = stateDir;
delete process.env.XDG_STATE_HOME;
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
