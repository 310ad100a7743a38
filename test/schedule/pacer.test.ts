import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { getEventListeners } from 'node:events';
import type { ClockReading } from '../../src/schedule/clock.js';
import { monoOfCall } from '../../src/schedule/clock.js';
import {
  latestArrival,
  nextStartAfter,
  Pacer,
  SAY_WAIT_MS,
  sleep,
  UNKNOWN_START_SLACK_MS,
  type PaceWait,
} from '../../src/schedule/pacer.js';

/** A clock whose wall time can step while its monotonic time only moves forward. */
function fakeClock(start: ClockReading = { wallMs: 1_800_000_000_000, monoMs: 50_000, boot: 'boot-a' }) {
  const reading = { ...start };
  return {
    now: () => ({ ...reading }),
    /** Both clocks move on by `ms`. */
    pass(ms: number) {
      reading.wallMs += ms;
      reading.monoMs += ms;
    },
    /** Only the wall clock moves (NTP, a resumed VM, an operator fixing the date). */
    stepWall(ms: number) {
      reading.wallMs += ms;
    },
    reading,
  };
}

const HOUR = 3_600_000;
const options = { intervalMs: 100, marginMs: 30 };

describe('latestArrival', () => {
  it.each([
    ['a fast answer bounds the arrival', { intentAt: 1000, startedAt: 1001, endedAt: 1021 }, 500, 1021],
    ['a slow answer: the margin bounds it', { intentAt: 1000, startedAt: 1001, endedAt: 9000 }, 500, 1501],
    ['no answer recorded: the margin from the start', { intentAt: 1000, startedAt: 1001 }, 500, 1501],
    [
      'only the intent (process died): slack for the unknown start',
      { intentAt: 1000 },
      500,
      1000 + UNKNOWN_START_SLACK_MS + 500,
    ],
  ])('%s', (_name, times, margin, expected) => {
    expect(latestArrival(times, margin)).toBe(expected);
  });
});

describe('nextStartAfter: a request recorded by another process or an earlier run', () => {
  const now: ClockReading = { wallMs: 1_800_000_010_000, monoMs: 60_000, boot: 'boot-a' };
  const wall = { intentAt: 1_800_000_009_950, startedAt: 1_800_000_009_960, endedAt: 1_800_000_009_970 };
  const mono = { boot: 'boot-a', intentAt: 59_950, startedAt: 59_960, endedAt: 59_970 };
  // [name, record, expected start on now's monotonic clock, ordinary]
  it.each([
    ['same boot: measured on the monotonic clock', { ...wall, mono }, 59_970 + 100, true],
    [
      'same boot, the wall clock since set back 1 h: still the monotonic gap',
      { ...wall, intentAt: wall.intentAt + HOUR, startedAt: wall.startedAt + HOUR, endedAt: wall.endedAt + HOUR, mono },
      59_970 + 100,
      true,
    ],
    [
      'same boot, the wall clock since set forward 1 h: still the monotonic gap',
      { ...wall, intentAt: wall.intentAt - HOUR, startedAt: wall.startedAt - HOUR, endedAt: wall.endedAt - HOUR, mono },
      59_970 + 100,
      true,
    ],
    [
      'same boot, intent alone (killed mid-request): slack and margin from the intent',
      { intentAt: wall.intentAt, mono: { boot: 'boot-a', intentAt: 59_950 } },
      59_950 + UNKNOWN_START_SLACK_MS + 30 + 100,
      true,
    ],
    [
      'another boot: the wall times, mapped onto this clock',
      { ...wall, mono: { ...mono, boot: 'boot-b' } },
      60_000 - 30 + 100,
      true,
    ],
    ['an earlier version (wall times only)', wall, 60_000 - 30 + 100, true],
    [
      'wall only, recorded 1 h in the future: just now, one interval',
      { intentAt: now.wallMs + HOUR, startedAt: now.wallMs + HOUR, endedAt: now.wallMs + HOUR },
      60_000 + 100,
      false,
    ],
    [
      'wall only, a start 1 h in the future with no answer: just now, the margin',
      { intentAt: now.wallMs + HOUR, startedAt: now.wallMs + HOUR },
      60_000 + 30 + 100,
      false,
    ],
    [
      'same boot, a monotonic start ahead of this clock with no answer (impossible on one boot): taken as now',
      { intentAt: wall.intentAt, mono: { boot: 'boot-a', intentAt: 59_950, startedAt: 60_000 + HOUR } },
      60_000 + 30 + 100,
      true,
    ],
    [
      'wall only, an intent 1 h in the future: just now, slack and margin',
      { intentAt: now.wallMs + HOUR },
      60_000 + UNKNOWN_START_SLACK_MS + 30 + 100,
      false,
    ],
    [
      'an unknown boot on both sides is not the same boot: counted as made just now',
      { ...wall, mono: { ...mono, boot: 'unknown' } },
      60_000 + 100,
      true,
    ],
    [
      'an unknown boot, the wall clock since set forward 1 h: still counted as made just now',
      {
        intentAt: wall.intentAt - HOUR,
        startedAt: wall.startedAt - HOUR,
        endedAt: wall.endedAt - HOUR,
        mono: { ...mono, boot: 'unknown' },
      },
      60_000 + 100,
      true,
    ],
  ])('%s', (_name, record, expected, ordinary) => {
    const next = nextStartAfter(
      record,
      (record as { mono?: { boot: string } }).mono?.boot === 'unknown' ? { ...now, boot: 'unknown' } : now,
      options,
    );
    expect(next.at).toBe(expected);
    expect(next.ordinary).toBe(ordinary);
  });

  it('says why it waits for a record from a clock set back', () => {
    const next = nextStartAfter({ intentAt: now.wallMs + HOUR }, now, options);
    expect(next.why).toMatch(/later than this machine's clock now .*counted as made just now/);
  });

  it('a monotonic record ahead of this clock (impossible on one boot) waits at most one interval plus slack', () => {
    const next = nextStartAfter(
      { intentAt: now.wallMs, mono: { boot: 'boot-a', intentAt: now.monoMs + HOUR } },
      now,
      options,
    );
    expect(next.at).toBe(now.monoMs + UNKNOWN_START_SLACK_MS + 30 + 100);
  });

  it('never waits more than one interval plus margin and slack from a record, whatever its times', () => {
    const cases = [-HOUR, -1, 0, 1, HOUR, 1000 * HOUR];
    for (const shift of cases) {
      for (const record of [
        { intentAt: now.wallMs + shift },
        { intentAt: now.wallMs + shift, startedAt: now.wallMs + shift, endedAt: now.wallMs + shift + 5 },
      ]) {
        const wait = nextStartAfter(record, now, options).at - now.monoMs;
        expect(wait).toBeLessThanOrEqual(options.intervalMs + options.marginMs + UNKNOWN_START_SLACK_MS);
      }
    }
  });
});

describe('Pacer on an injected clock', () => {
  it('lets the first request go at once with no history', () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    expect(pacer.waitMs()).toBe(0);
    expect(pacer.nextStart()).toEqual({ at: -Infinity, why: "the API's pace", ordinary: true });
  });

  it('keeps the gap from the previous process (journal) request, on the monotonic clock', () => {
    const clock = fakeClock();
    const { wallMs, monoMs } = clock.reading;
    const pacer = new Pacer(
      options,
      {
        intentAt: wallMs - 20,
        startedAt: wallMs - 18,
        endedAt: wallMs - 10,
        mono: { boot: 'boot-a', intentAt: monoMs - 20, startedAt: monoMs - 18, endedAt: monoMs - 10 },
      },
      clock,
    );
    expect(pacer.waitMs()).toBe(90);
  });

  it('spaces by the earlier of answer and start + margin', () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    const t = clock.reading.monoMs;
    pacer.record(t, t + 5);
    expect(pacer.nextStartAt()).toBe(t + 105);
    pacer.record(t + 1000, t + 1500);
    expect(pacer.nextStartAt()).toBe(t + 1130);
  });

  it.each([
    ['back 1 h', -HOUR],
    ['forward 1 h', HOUR],
  ])('a wall clock that steps %s mid-run moves no wait', (_name, step) => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    const t = clock.reading.monoMs;
    pacer.record(t, t + 5);
    clock.pass(10);
    clock.stepWall(step);
    expect(pacer.waitMs()).toBe(95);
  });

  it('never moves earlier than a restart bound or a back-off', () => {
    const clock = fakeClock();
    const t = clock.reading.monoMs;
    const pacer = new Pacer(options, { intentAt: clock.reading.wallMs, mono: { boot: 'boot-a', intentAt: t } }, clock);
    pacer.record(t - 1000, t - 999); // a record before the restart bound
    expect(pacer.nextStartAt()).toBe(t + UNKNOWN_START_SLACK_MS + 30 + 100);
    pacer.backOffFromAnswer(t + 10_000);
    expect(pacer.nextStartAt()).toBe(t + 10_100);
    expect(pacer.nextStart().ordinary).toBe(false);
  });

  it('a retry delay counts from now on the monotonic clock', () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.delayNext(5000);
    clock.stepWall(-HOUR);
    expect(pacer.waitMs()).toBe(5000);
  });
});

describe('Pacer in real time', () => {
  it('waits until the turn', async () => {
    const pacer = new Pacer({ intervalMs: 80, marginMs: 20 });
    const start = pacer.now();
    pacer.record(start, start + 5);
    await pacer.waitTurn();
    const waited = pacer.now() - start;
    expect(waited).toBeGreaterThanOrEqual(85);
    expect(waited).toBeLessThan(200);
  });

  it('with a lead, returns that long before the turn, not later', async () => {
    const pacer = new Pacer({ intervalMs: 1000, marginMs: 0 });
    const start = pacer.now();
    pacer.record(start, start);
    await pacer.waitTurn(undefined, undefined, 500);
    const back = pacer.now();
    expect(back).toBeGreaterThanOrEqual(pacer.nextStartAt() - 500);
    // Half a second to spare on a loaded machine; a wait that took the lead the wrong way ends a second later.
    expect(back).toBeLessThan(pacer.nextStartAt());
  });

  it('stops waiting when aborted', async () => {
    const pacer = new Pacer({ intervalMs: 10_000, marginMs: 0 });
    pacer.record(pacer.now(), pacer.now());
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('SIGINT')), 20);
    await expect(pacer.waitTurn(stop.signal)).rejects.toThrow('SIGINT');
  });

  it('says a wait of a few seconds or more, with what it waits for; not a short one', async () => {
    const said: PaceWait[] = [];
    const long = new Pacer({ intervalMs: SAY_WAIT_MS + 500, marginMs: 0 });
    long.record(long.now(), long.now());
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stop')), 20);
    await expect(long.waitTurn(stop.signal, (wait) => said.push(wait))).rejects.toThrow('stop');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ why: "the API's pace", ordinary: true });
    expect(said[0]?.ms).toBeGreaterThan(SAY_WAIT_MS);
    const short = new Pacer({ intervalMs: 50, marginMs: 0 });
    short.record(short.now(), short.now());
    await short.waitTurn(undefined, (wait) => said.push(wait));
    expect(said).toHaveLength(1);
  });
});

describe("monoOfCall: a client's wall times on the monotonic clock", () => {
  const before: ClockReading = { wallMs: 1_000_000, monoMs: 500.25, boot: 'b' };
  it('maps them by their distance from the reading before, rounding the start up', () => {
    const after = { wallMs: 1_000_040, monoMs: 540.3, boot: 'b' };
    const mono = monoOfCall({ startedAt: 1_000_001 }, before, after);
    expect(mono.startedAt).toBeGreaterThan(500.25 + 1);
    expect(mono.startedAt).toBeLessThanOrEqual(500.25 + 3);
    expect(mono.endedAt).toBe(540.3);
  });
  it.each([
    ['back', -HOUR],
    ['forward', HOUR],
  ])(
    'the wall clock stepped %s during the call: the start maps from the side of the step it was taken on',
    (_name, step) => {
      const after = { wallMs: 1_000_040 + step, monoMs: 540.3, boot: 'b' };
      const early = monoOfCall({ startedAt: 1_000_001 }, before, after);
      expect(early.startedAt).toBeGreaterThan(501.25);
      expect(early.startedAt).toBeLessThanOrEqual(503.25);
      const late = monoOfCall({ startedAt: 1_000_030 + step }, before, after);
      expect(late.startedAt).toBeGreaterThan(530.3);
      expect(late.startedAt).toBeLessThanOrEqual(532.3);
      expect(late.endedAt).toBe(540.3);
    },
  );

  it('a start that fits neither side is taken as the reading after (the latest it can be)', () => {
    const after = { wallMs: 1_000_040, monoMs: 540.3, boot: 'b' };
    expect(monoOfCall({ startedAt: 5_000_000 }, before, after)).toEqual({ startedAt: 540.3, endedAt: 540.3 });
  });
});

describe('Pacer: a later wait is never lowered by an earlier one', () => {
  it.each<[string, (pacer: Pacer, now: number) => void, number]>([
    ['a back-off, then a shorter retry delay', (p, now) => (p.backOffFromAnswer(now), p.delayNext(10)), 100],
    ['a retry delay, then a shorter back-off', (p, now) => (p.delayNext(500), p.backOffFromAnswer(now)), 500],
    ['a long retry delay, then a short one', (p) => (p.delayNext(800), p.delayNext(5)), 800],
    [
      'a back-off, then a request of this run that allows an earlier start',
      (p, now) => (p.backOffFromAnswer(now + 1000), p.record(now, now + 1)),
      1100,
    ],
  ])('%s', (_case, act, waitMs) => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    act(pacer, clock.now().monoMs);
    expect(pacer.nextStart().at - clock.now().monoMs).toBe(waitMs);
  });

  it("keeps the gap after this run's previous request when the next one is recorded", () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    const t = clock.now().monoMs;
    pacer.record(t, t + 40);
    // A second request recorded with times before the first's gap: the first's still holds
    // (it arrived by its start + the margin, t + 30, so the gap runs to t + 130).
    pacer.record(t + 1, t + 2);
    expect(pacer.nextStart().at).toBe(t + 30 + 100);
  });
});

describe("nextStartAfter: a record from another boot is not read on this boot's monotonic clock", () => {
  it('uses the wall times of a record whose monotonic times are from another boot', () => {
    const now: ClockReading = { wallMs: 1_800_000_000_000, monoMs: 5_000, boot: 'boot-b' };
    // Made 50 ms ago by the wall clock; its monotonic times (of boot a) would say 1 s from now.
    const previous = {
      intentAt: now.wallMs - 50,
      startedAt: now.wallMs - 50,
      endedAt: now.wallMs - 50,
      mono: { boot: 'boot-a', intentAt: 6_000, startedAt: 6_000, endedAt: 6_000 },
    };
    expect(nextStartAfter(previous, now, options).at).toBe(now.monoMs + 50);
    // On the same boot, the monotonic times decide (capped at now: no record is in the future).
    expect(nextStartAfter(previous, { ...now, boot: 'boot-a' }, options).at).toBe(now.monoMs + 100);
  });
});

describe('Pacer: the edges a mutant would move', () => {
  const at = (clock: ReturnType<typeof fakeClock>) => clock.now().monoMs;

  it('says a wait of exactly SAY_WAIT_MS, with the wait and what it is for', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.delayNext(SAY_WAIT_MS);
    const said: PaceWait[] = [];
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stop')), 10);
    await expect(pacer.waitTurn(stop.signal, (wait) => said.push(wait))).rejects.toThrow('stop');
    expect(said).toEqual([{ ms: SAY_WAIT_MS, why: 'a retry after a failed connection', ordinary: false }]);
  });

  it('does not say a wait just under SAY_WAIT_MS', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.delayNext(SAY_WAIT_MS - 1);
    const said: PaceWait[] = [];
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stop')), 10);
    await expect(pacer.waitTurn(stop.signal, (wait) => said.push(wait))).rejects.toThrow('stop');
    expect(said).toEqual([]);
  });

  it('names a back-off as the API asking to slow down, not the ordinary pace', () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.backOffFromAnswer(at(clock));
    expect(pacer.nextStart()).toEqual({
      at: at(clock) + 100,
      why: 'the API, which asked to slow down',
      ordinary: false,
    });
  });

  it('a lead as long as the wait returns at once; the clock is not read as later than it is', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.record(at(clock), at(clock) + 5);
    const stop = new AbortController();
    const guard = setTimeout(() => stop.abort(new Error('waited')), 200);
    await expect(pacer.waitTurn(stop.signal, undefined, 105)).resolves.toBeUndefined();
    clearTimeout(guard);
  });

  it('a lead shorter than the wait still waits for the rest', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.record(at(clock), at(clock) + 5);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('waited')), 30);
    await expect(pacer.waitTurn(stop.signal, undefined, 104)).rejects.toThrow('waited');
  });

  it('an aborted signal rejects even when there is nothing to wait for', async () => {
    const pacer = new Pacer(options);
    const stop = new AbortController();
    stop.abort(new Error('already stopped'));
    await expect(pacer.waitTurn(stop.signal)).rejects.toThrow('already stopped');
  });

  it('an aborted signal rejects at once when there is a wait', async () => {
    const pacer = new Pacer({ intervalMs: 60_000, marginMs: 0 });
    pacer.record(pacer.now(), pacer.now());
    const stop = new AbortController();
    stop.abort(new Error('already stopped'));
    const started = pacer.now();
    await expect(pacer.waitTurn(stop.signal)).rejects.toThrow('already stopped');
    expect(pacer.now() - started).toBeLessThan(1000);
  });

  it('on a tie between this run and a back-off, the back-off is what it says', () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    const t = at(clock);
    pacer.record(t, t + 5);
    pacer.backOffFromAnswer(t + 5);
    expect(pacer.nextStart()).toMatchObject({ at: t + 105, ordinary: false });
  });

  it('on a tie between two raised bounds, the first one stays', () => {
    const clock = fakeClock();
    const pacer = new Pacer(options, undefined, clock);
    pacer.backOffFromAnswer(at(clock));
    pacer.delayNext(100);
    expect(pacer.nextStart().why).toBe('the API, which asked to slow down');
  });
});

describe('nextStartAfter: the edges a mutant would move', () => {
  const now: ClockReading = { wallMs: 1_800_000_010_000, monoMs: 60_000, boot: 'boot-a' };

  it('a wall record made exactly now is the ordinary pace', () => {
    const next = nextStartAfter({ intentAt: now.wallMs, startedAt: now.wallMs, endedAt: now.wallMs }, now, options);
    expect(next).toEqual({ at: now.monoMs + 100, why: "the API's pace", ordinary: true });
  });

  it.each([
    ['its start', { intentAt: 1_800_000_009_000, startedAt: 1_800_000_010_001, endedAt: 1_800_000_009_500 }],
    ['its answer', { intentAt: 1_800_000_009_000, startedAt: 1_800_000_009_001, endedAt: 1_800_000_010_001 }],
    ['its intent', { intentAt: 1_800_000_010_001 }],
  ])('a record in which only %s is later than now is out of the ordinary', (_name, record) => {
    expect(nextStartAfter(record, now, options).ordinary).toBe(false);
  });

  it('says the recorded time and the clock now, to the second, in UTC', () => {
    const next = nextStartAfter({ intentAt: now.wallMs + HOUR + 999 }, now, options);
    expect(next.why).toBe(
      "the API's pace: its last request is recorded at 2027-01-15 09:00:10 UTC, later than this machine's clock now " +
        '(2027-01-15 08:00:10 UTC); the clock was set back, or that request was made before a reboot, so it is counted as made just now',
    );
  });

  it('an intent alone on a machine that cannot name its boot keeps the slack for its unknown start', () => {
    const unknown: ClockReading = { ...now, boot: 'unknown' };
    const next = nextStartAfter(
      { intentAt: now.wallMs - 10, mono: { boot: 'unknown', intentAt: 1 } },
      unknown,
      options,
    );
    expect(next.at).toBe(now.monoMs + UNKNOWN_START_SLACK_MS + 30 + 100);
  });

  it('a started request with no answer on a machine that cannot name its boot counts from its start, made now', () => {
    const unknown: ClockReading = { ...now, boot: 'unknown' };
    const next = nextStartAfter({ intentAt: now.wallMs - 10, startedAt: now.wallMs - 9 }, unknown, options);
    expect(next.at).toBe(now.monoMs + 30 + 100);
  });
});

describe('sleep: a wait longer than one timer can hold', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is made of several timers and ends neither early nor late', async () => {
    jest.useFakeTimers();
    const day = 24 * HOUR;
    let done = false;
    const slept = sleep(30 * day).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(30 * day - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  });

  it('an abort during a later timer still rejects', async () => {
    jest.useFakeTimers();
    const stop = new AbortController();
    const slept = sleep(30 * 24 * HOUR, stop.signal);
    await jest.advanceTimersByTimeAsync(25 * 24 * HOUR);
    stop.abort(new Error('stopped'));
    await expect(slept).rejects.toThrow('stopped');
    // Its timer is cleared, so a stopped run does not stay alive for the rest of the wait.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves no listener on the signal once it ends, slept out or aborted (a run waits thousands of times on one)', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 3; i += 1) await sleep(1, stop.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    const slept = sleep(60_000, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(slept).rejects.toThrow('stopped');
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
