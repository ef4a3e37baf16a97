// A browser test written as one story: flat node:test steps (no describe,
// for meson's TAP parser) that share the participants and build on each
// other, so that after a failed step the rest are skipped, not failed again.
// A failure carries the pages' consoles and the server's log of that step.
//
//   const step = storySteps({ server: () => server, people: () => people.values() });
//   step('three join', async (t) => { ... });

import { test } from 'node:test';
import { ms } from './server.mjs';

export function storySteps({ server, people, timeout = 120_000 }) {
  /** The first failed step: the later ones build on it, so they are skipped. */
  let broken = null;
  return function step(name, fn) {
    test(name, { timeout: ms(timeout) }, async (t) => {
      if (broken) {
        t.skip(`an earlier step failed: ${broken}`);
        return;
      }
      const mark = server()?.stderrMark ?? 0;
      try {
        await fn(t);
      } catch (error) {
        broken = name;
        const pages = [...people()].map((p) => p.dump()).join('\n');
        const log = server()?.stderrSince(mark) ?? '';
        const note = `\n${pages}\n--- hyperconf stderr during this test ---\n${log.slice(-6000) || '(empty)'}`;
        if (error && typeof error === 'object') {
          try {
            error.message += note;
          } catch { /* frozen error */ }
        }
        throw error;
      }
    });
  };
}
