// The live connection: one websocket to `/sync` per tab, one wasm SyncClient
// speaking the automerge-repo protocol over it, and one PolicyEngine per
// portfolio fed by the server's `policy` pushes. Views subscribe to the sync
// events and ask the engine what to offer; the server's guard decides.
//
// Decisions:
// - The socket reconnects with exponential backoff (0.5 s doubling to 15 s,
//   with jitter), and at once when the browser says it is online again. While
//   offline, edits go into the held documents; the client re-syncs every held
//   document when the next `peer` arrives, so they reach the server then.
// - Edits the server may not have yet (made offline, or on a document opened
//   from such a copy) are also kept in localStorage, per person and document,
//   so a reload or a closed tab loses nothing: `find` opens the kept copy and
//   syncs it. The copy is dropped once a connection has been up for 5 s
//   without the server refusing it, or at once when it refuses (the refused
//   text then goes to the notice).
// - The browser's `offline` event closes the socket at once (a half-open
//   socket would otherwise hide the outage until a write fails).
// - A document created here is offered to the server right after the parent
//   edit that names it. The server registers it when it accepts that edit, so
//   the offer can overtake the registration and be answered `unavailable`;
//   such a document is offered again on a fresh connection (at most 3 times)
//   before the views hear that it is unavailable — unless the person deleted
//   its node meanwhile (`abandon`): then the document is gone, and the server
//   says so (`unavailable`, not a refusal) even if its changes were on the way.
// - At a snapshot's `valid_until` (the next instant a decision may flip) the
//   views hear the policy again and re-ask the engine, connected or not.
// - Engines are kept per portfolio (the snapshot's root node): revisions are
//   per portfolio, and the engine refuses older revisions than it holds.
import {
  PolicyEngine, SyncClient, freshId, newDocumentId,
  type DocId, type DocPatch, type Edit, type NewDoc, type SyncEvent,
} from '../../pkg/folio_wasm.js';
import { OfflineStore } from './offline';

export type LiveStatus = 'connecting' | 'online' | 'offline';
export type Origin = 'local' | 'remote';
export type LiveListener = (event: SyncEvent, origin: Origin) => void;

/** The answer of a local edit: the view patches, or why it could not be made. */
export type EditResult = { ok: true; patches: DocPatch[] } | { ok: false; kind: string; message: string };

const MAX_BACKOFF_MS = 15_000;
const SETTLE_MS = 5_000;
const CREATE_RETRIES = 3;

function random16(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

/** A fresh node id (for a collection, page, section or resource). */
export function newNodeId(): string {
  const r = freshId(crypto.getRandomValues(new Uint8Array(12)));
  if (r.type !== 'success') throw new Error(r.error.message);
  return r.value;
}

/** A fresh `automerge:` document id. */
export function newDocId(): DocId {
  const r = newDocumentId(random16());
  if (r.type !== 'success') throw new Error(r.error.message);
  return r.value;
}

/** The part of a policy snapshot the views read (the engine reads all of it). */
interface Snapshot { valid_until?: number; nodes?: { id: string; parent?: string | null; kind?: string; title?: string }[] }

/** The portfolio a snapshot is for: its root node (the one without a parent). */
function snapshotPortfolio(snapshot: Snapshot): string | null {
  const root = snapshot.nodes?.find((n) => !n.parent);
  return root?.id ?? null;
}

export class Live {
  readonly client: SyncClient;
  readonly principal: string;
  status: LiveStatus = 'connecting';
  private readonly engines = new Map<string, PolicyEngine>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly listeners = new Set<LiveListener>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  private readonly created = new Map<DocId, number>();
  private readonly rechecks = new Map<string, ReturnType<typeof setTimeout>>();
  /** Documents with local edits the server may not have yet. */
  private readonly pending = new Set<DocId>();
  private readonly offline: OfflineStore;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(principal: string, readonly token?: string) {
    this.principal = principal;
    this.offline = new OfflineStore(principal);
    this.client = new SyncClient(crypto.randomUUID(), principal, random16());
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
    if (navigator.onLine === false) this.setStatus('offline');
    else this.connect();
  }

  /** The engine for a portfolio (empty, denying everything, until its snapshot arrives). */
  engine(portfolio: string): PolicyEngine {
    let e = this.engines.get(portfolio);
    if (!e) {
      e = new PolicyEngine();
      this.engines.set(portfolio, e);
    }
    return e;
  }

  /** Whether a policy snapshot for the portfolio has arrived (until then the engine denies everything). */
  hasPolicy(portfolio: string): boolean {
    return this.snapshots.has(portfolio);
  }

  /** Titles of the nodes in the last snapshot (the path above what one may read). */
  titles(portfolio: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const n of this.snapshots.get(portfolio)?.nodes ?? []) if (n.title) out.set(n.id, n.title);
    return out;
  }

  subscribe(f: LiveListener): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  onStatus(f: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(f);
    return () => this.statusListeners.delete(f);
  }

  /** Asks for a document (its `loaded` event says when it is here; `read` may already have it).
   * A copy with edits made offline (kept in this browser) is opened and synced first. */
  find(doc: DocId): void {
    if (this.client.status(doc) === undefined) {
      const kept = this.offline.load(doc);
      if (kept) {
        const r = this.client.open(doc, kept);
        if (r.type === 'success') {
          this.pending.add(doc);
          this.send(r.value);
          return;
        }
        this.offline.drop(doc); // unreadable copy: the server's is the one
      }
    }
    const r = this.client.find(doc);
    if (r.type === 'success') this.send(r.value);
  }

  /** Creates a document here and offers it to the server. */
  create(doc: DocId, spec: NewDoc): EditResult {
    const r = this.client.createDoc(doc, spec);
    if (r.type !== 'success') return { ok: false, kind: r.error.kind, message: r.error.message };
    this.created.set(doc, 0);
    if (this.status === 'online') setTimeout(() => this.created.delete(doc), 10_000);
    this.send(r.value);
    return { ok: true, patches: [] };
  }

  /** The node of a document created here was deleted: the server's answer
   * that the document is unavailable (it is gone) is then final, not a
   * registration still on its way, so it is not offered again. */
  abandon(doc: DocId): void {
    this.created.delete(doc);
  }

  /** Applies one edit to a held document and sends it (or keeps it until online). */
  edit(doc: DocId, edit: Edit): EditResult {
    const r = this.client.edit(doc, edit);
    if (r.type !== 'success') return { ok: false, kind: r.error.kind, message: r.error.message };
    this.send(r.value.send);
    if (this.ws?.readyState !== WebSocket.OPEN || this.pending.has(doc)) {
      // Not on the server yet: keep a copy so a reload or a closed tab loses nothing.
      this.pending.add(doc);
      const bytes = this.client.save(doc);
      if (bytes) this.offline.keep(doc, bytes);
    }
    if (r.value.patches.length) this.emit({ type: 'changed', docId: doc, patches: r.value.patches }, 'local');
    return { ok: true, patches: r.value.patches };
  }

  /** Presence and cursors: a small JSON value for the document's other readers. */
  ephemeral(doc: DocId, value: unknown): void {
    const frame = this.client.ephemeral(doc, new TextEncoder().encode(JSON.stringify(value)));
    if (frame) this.send([frame]);
  }

  dispose(): void {
    this.disposed = true;
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.rechecks.values()) clearTimeout(t);
    this.ws?.close();
    this.listeners.clear();
    this.statusListeners.clear();
  }

  private send(frames: Uint8Array[]): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return; // re-synced on the next connection
    for (const f of frames) this.ws.send(f);
  }

  private emit(e: SyncEvent, origin: Origin): void {
    for (const f of [...this.listeners]) {
      try {
        f(e, origin);
      } catch (err) {
        console.error('live listener failed', err);
      }
    }
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const f of [...this.statusListeners]) f(s);
  }

  private readonly onOnline = (): void => {
    this.attempt = 0;
    if (!this.ws) this.connect();
  };

  private readonly onOffline = (): void => {
    this.setStatus('offline');
    this.ws?.close();
  };

  private connect(): void {
    if (this.disposed || this.ws) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.setStatus('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = this.token ? `?token=${encodeURIComponent(this.token)}` : '';
    const ws = new WebSocket(`${scheme}://${location.host}/sync${query}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => ws.send(this.client.join());
    ws.onmessage = (m) => this.receive(new Uint8Array(m.data as ArrayBuffer));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.client.disconnected();
      this.setStatus('offline');
      if (this.disposed || navigator.onLine === false) return;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt += 1;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  /** Connected: what was kept offline has been offered again; once the
   * server has had a few seconds to answer (a refusal comes back at once),
   * the kept copies are no longer needed. */
  private settle(): void {
    for (const doc of this.created.keys()) setTimeout(() => this.created.delete(doc), 10_000);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.status !== 'online') return;
      for (const doc of this.pending) this.offline.drop(doc);
      this.pending.clear();
    }, SETTLE_MS);
  }

  /** Decisions can flip at the snapshot's `valid_until` (an expiry, a start):
   * tell the views then, so they ask the engine again, even while offline. */
  private recheckAt(portfolio: string, e: SyncEvent & { type: 'policy' }): void {
    const at = (e.snapshot as Snapshot).valid_until;
    const old = this.rechecks.get(portfolio);
    if (old) clearTimeout(old);
    if (typeof at !== 'number') return;
    const delay = Math.max(0, at - Date.now()) + 50;
    if (delay > 2 ** 31 - 1) return;
    this.rechecks.set(portfolio, setTimeout(() => {
      this.rechecks.delete(portfolio);
      if (this.snapshots.get(portfolio) === e.snapshot) this.emit(e, 'local');
    }, delay));
  }

  private receive(frame: Uint8Array): void {
    const r = this.client.receive(frame);
    if (r.type !== 'success') {
      console.warn('unreadable frame from the server:', r.error.message);
      return;
    }
    this.send(r.value.send);
    let retry = false;
    for (const e of r.value.events) {
      switch (e.type) {
        case 'connected':
          this.attempt = 0;
          this.setStatus('online');
          this.settle();
          break;
        case 'policy': {
          const portfolio = snapshotPortfolio(e.snapshot);
          if (portfolio) {
            const loaded = this.engine(portfolio).load(e.snapshot);
            if (loaded.type !== 'success') console.warn('policy snapshot refused:', loaded.error.message);
            else {
              this.snapshots.set(portfolio, e.snapshot as Snapshot);
              this.recheckAt(portfolio, e);
            }
          }
          break;
        }
        case 'loaded':
        case 'changed':
          this.created.delete(e.docId);
          break;
        case 'rejected':
          // The refused edits are handed to the views (notice, private note);
          // the document is the server's again.
          this.pending.delete(e.docId);
          this.offline.drop(e.docId);
          break;
        case 'unavailable': {
          const tries = this.created.get(e.docId);
          if (tries !== undefined && tries < CREATE_RETRIES) {
            this.created.set(e.docId, tries + 1);
            retry = true;
            continue; // not yet: offered again on a fresh connection
          }
          this.created.delete(e.docId);
          break;
        }
      }
      this.emit(e, 'remote');
    }
    if (retry) setTimeout(() => this.ws?.close(), 200);
  }
}

let current: Live | null = null;

/** The tab's connection for `principal` (replaced when the signed-in person changes). */
export function liveFor(principal: string, token?: string): Live {
  if (current && current.principal === principal && current.token === token) return current;
  current?.dispose();
  current = new Live(principal, token);
  return current;
}

/** Ends the tab's connection if it was a signed-in person's (they signed out);
 * a share link's connection lives on. */
export function endSignedInLive(): void {
  if (!current || current.token !== undefined) return;
  current.dispose();
  current = null;
}
