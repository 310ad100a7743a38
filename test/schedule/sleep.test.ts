/**
 * The pacer's timer: a wait longer than one setTimeout can hold (about 24.8 days, after a clock
 * or a record far in the future) must still wait, not fire at once and spin.
 */
import { describe, expect, it } from '@jest/globals';
import { sleep } from '../../src/schedule/pacer.js';

describe('sleep', () => {
  it('waits the time it was given', async () => {
    const before = Date.now();
    await sleep(60);
    expect(Date.now() - before).toBeGreaterThanOrEqual(55);
  });

  it.each([2 ** 31, 2 ** 31 + 5000, 40 * 24 * 3600 * 1000])(
    'still waits after %d ms would overflow one timer, until aborted',
    async (ms) => {
      const stop = new AbortController();
      let settled: 'resolved' | 'rejected' | undefined;
      const waiting = sleep(ms, stop.signal).then(
        () => (settled = 'resolved'),
        () => (settled = 'rejected'),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toBeUndefined();
      stop.abort(new Error('stop'));
      await waiting;
      expect(settled).toBe('rejected');
    },
  );

  it('rejects at once when already aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('stop'));
    await expect(sleep(2 ** 40, stop.signal)).rejects.toThrow('stop');
  });
});
