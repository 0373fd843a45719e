import { after, before, test } from 'node:test';
import { folio } from './harness.mjs';
import { startNativePeer } from './native-peer.mjs';
import { syncSession } from '../test-shared/sync.mjs';
import { checkSyncSession } from '../test-shared/checks.mjs';

let peer;
before(() => {
  peer = startNativePeer();
});
after(() => peer.close());

test('the wasm sync client and the guarded native peer converge, and a refused edit is handed back intact', async () => {
  checkSyncSession(await syncSession(folio, peer.request));
});
