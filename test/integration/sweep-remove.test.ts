// The fault sweep for `evsrc remove` of every registered trigger type: each AWS call position of a clean run,
// faulted in every mode (throttle, 500, dropped connection, lost answer), once and three times, with the
// AWS-like conflict on repeated creates. The end state is as the clean run leaves it (exit 0) or exactly
// as before (exit 1): no orphan permission, foreign entries kept.
import { describe, expect, it } from 'vitest';
import { typeNames } from '../../src/sources/registry.js';
import { useFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { useMoto, type MotoServer } from '../helpers/moto.js';
import { describeFailures, scenariosFor, sweepScenario } from '../helpers/sweep.js';

// The runs mostly wait (the SDK's own retry delays are real), so scenarios run side by side, each on
// its own emulator and proxy taken from a small pool.
const POOL = 4;
const envs = Array.from({ length: POOL }, () => {
  const moto = useMoto();
  return { moto, proxy: useFaultProxy(moto) };
});
const free: { moto: MotoServer; proxy: FaultProxy }[] = [...envs];
const waiting: ((env: { moto: MotoServer; proxy: FaultProxy }) => void)[] = [];
async function withEnv<T>(fn: (env: { moto: MotoServer; proxy: FaultProxy }) => Promise<T>): Promise<T> {
  const env = free.pop() ?? (await new Promise<{ moto: MotoServer; proxy: FaultProxy }>((resolve) => waiting.push(resolve)));
  try {
    return await fn(env);
  } finally {
    const next = waiting.shift();
    if (next) next(env);
    else free.push(env);
  }
}

describe.concurrent('fault sweep: remove', () => {
  it('every registered type has a scenario', () => {
    expect(typeNames().filter((t) => scenariosFor(t) === undefined)).toEqual([]);
  });

  for (const type of typeNames()) {
    const scenario = scenariosFor(type)?.find((s) => s.kind === 'remove');
    it.skipIf(!scenario)(`remove ${type}: every position × mode ends consistent`, { timeout: 170_000 }, async () => {
      const { outcomes } = await withEnv(({ moto, proxy }) => {
        proxy.setAwsConflicts(true);
        return sweepScenario(scenario!, { endpoint: moto.endpoint, reset: () => moto.reset(), proxy });
      });
      const ok = outcomes.filter((o) => o.consistent).length;
      console.log(`sweep remove ${type}: ${ok}/${outcomes.length} consistent`);
      expect(describeFailures(outcomes)).toBe('');
    });
  }
});
