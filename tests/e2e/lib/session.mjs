// One real server, one headless Chromium and the people of one room, for
// a test file: started before its tests, every page and both processes
// closed after them.
//
//   const session = roomSession({ room: ROOM, video: '320x240@15',
//     config: '[node]\ngrace-period-ms=2000\n', env: { HC_TEST_DROP_TO: 'bob:5' } });
//   const alice = await session.join('alice');   // types name and room, clicks Join
//   session.server, session.people
//
// `env` is added to the server's environment only.

import { before, after } from 'node:test';
import { startServer } from './server.mjs';
import { launchBrowser, openParticipant } from './browser.mjs';

export function roomSession({ room, video = '320x240@15', config = '', env = {} } = {}) {
  const session = {
    server: null,
    browser: null,
    /** Everyone who joined, in order. */
    people: [],
    async join(name) {
      const p = await openParticipant(session.browser, session.server, { name, room, video });
      session.people.push(p);
      await p.join();
      return p;
    },
  };

  before(async () => {
    // startServer's child inherits process.env: set, start, restore.
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      session.server = await startServer({ config });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    session.browser = await launchBrowser();
  });

  after(async () => {
    for (const p of session.people) await p.closeContext();
    await session.browser?.close().catch(() => {});
    await session.server?.stop().catch(() => {});
  });

  return session;
}
