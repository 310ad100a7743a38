import { describe, expect, it } from '@jest/globals';
import { latestArrival, Pacer, UNKNOWN_START_SLACK_MS } from '../../src/schedule/pacer.js';

describe('latestArrival', () => {
  it.each([
    ['a fast answer bounds the arrival', { intentAt: 1000, startedAt: 1001, endedAt: 1021 }, 500, 1021],
    ['a slow answer: the margin bounds it', { intentAt: 1000, startedAt: 1001, endedAt: 9000 }, 500, 1501],
    ['no answer recorded: the margin from the start', { intentAt: 1000, startedAt: 1001 }, 500, 1501],
    ['only the intent (process died): slack for the unknown start', { intentAt: 1000 }, 500, 1000 + UNKNOWN_START_SLACK_MS + 500],
  ])('%s', (_name, times, margin, expected) => {
    expect(latestArrival(times, margin)).toBe(expected);
  });
});

describe('Pacer', () => {
  const options = { intervalMs: 100, marginMs: 30 };

  it('lets the first request go at once with no history', () => {
    expect(new Pacer(options).nextStartAt()).toBe(0);
  });

  it('keeps the gap from the previous process (journal) request', () => {
    const pacer = new Pacer(options, { intentAt: 5000, startedAt: 5002, endedAt: 5010 });
    expect(pacer.nextStartAt()).toBe(5110);
  });

  it('spaces by the earlier of answer and start + margin', () => {
    const pacer = new Pacer(options);
    pacer.record(1000, 1005);
    expect(pacer.nextStartAt()).toBe(1105);
    pacer.record(2000, 2500);
    expect(pacer.nextStartAt()).toBe(2130);
  });

  it('never moves earlier than a restart bound or a back-off', () => {
    const pacer = new Pacer(options, { intentAt: 10_000 });
    pacer.record(9000, 9001); // clock oddity: a record before the restart bound
    expect(pacer.nextStartAt()).toBe(10_000 + UNKNOWN_START_SLACK_MS + 30 + 100);
    pacer.backOffFromAnswer(20_000);
    expect(pacer.nextStartAt()).toBe(20_100);
  });

  it('waits in real time until the turn', async () => {
    const pacer = new Pacer({ intervalMs: 80, marginMs: 20 });
    const start = Date.now();
    pacer.record(start, start + 5);
    await pacer.waitTurn();
    const waited = Date.now() - start;
    expect(waited).toBeGreaterThanOrEqual(85);
    expect(waited).toBeLessThan(200);
  });

  it('stops waiting when aborted', async () => {
    const pacer = new Pacer({ intervalMs: 10_000, marginMs: 0 });
    pacer.record(Date.now(), Date.now());
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('SIGINT')), 20);
    await expect(pacer.waitTurn(stop.signal)).rejects.toThrow('SIGINT');
  });
});
