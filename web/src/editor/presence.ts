// Presence (who is on this page) and remote cursors, over the sync
// protocol's ephemeral messages on the page document. The server relays them
// only to peers that may read the document.
//
// A message is JSON: `{ v: 1, name, color, node, index }` (node and index:
// where the sender's caret is, or null), or `{ v: 1, bye: true }` when they
// leave. Everyone repeats theirs every 5 s; a peer silent for 15 s is gone.
import type { DocId } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h } from '../dom';
import type { Live } from '../live/connection';

export interface PeerState { name: string; color: string; node: string | null; index: number | null; seen: number }

const HEARTBEAT_MS = 5_000;
const GONE_MS = 15_000;
const COLORS = ['#b4005a', '#0061a8', '#7a4d00', '#00745c', '#6b3fa0', '#a33b00'];

function colorOf(s: string): string {
  let x = 0;
  for (const ch of s) x = (x * 31 + ch.codePointAt(0)!) >>> 0;
  return COLORS[x % COLORS.length]!;
}

function parse(data: Uint8Array): Partial<PeerState> & { v?: number; bye?: boolean } | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(data));
    return v && typeof v === 'object' && v.v === 1 ? v : null;
  } catch {
    return null;
  }
}

export class Presence {
  readonly el: HTMLElement;
  private readonly peers = new Map<string, PeerState>();
  private mine: { node: string | null; index: number | null } = { node: null, index: null };
  private readonly color: string;
  private timer: ReturnType<typeof setInterval>;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private drawn: string | null = null;

  constructor(private readonly ctx: Ctx, private readonly live: Live, private readonly doc: DocId,
    private readonly onCursors: (peers: Map<string, PeerState>) => void) {
    this.color = colorOf(live.principal);
    this.el = h('div', { class: 'presence', role: 'status', 'aria-live': 'polite', id: 'presence' });
    this.timer = setInterval(() => this.tick(), HEARTBEAT_MS);
    this.announce();
    this.draw();
  }

  /** My caret moved (throttled to one message per 100 ms). */
  caret(node: string | null, index: number | null): void {
    this.mine = { node, index };
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.announce();
    }, 100);
  }

  /** An ephemeral message for this page. */
  heard(sender: string, data: Uint8Array): void {
    const m = parse(data);
    if (!m) return;
    if (m.bye) {
      this.peers.delete(sender);
    } else {
      const known = this.peers.has(sender);
      this.peers.set(sender, {
        name: typeof m.name === 'string' ? m.name.slice(0, 80) : '?',
        color: typeof m.color === 'string' && /^#[0-9a-f]{6}$/i.test(m.color) ? m.color : colorOf(sender),
        node: typeof m.node === 'string' ? m.node : null,
        index: typeof m.index === 'number' ? m.index : null,
        seen: Date.now(),
      });
      if (!known) this.announce(); // let the newcomer see us at once
    }
    this.draw();
    this.onCursors(this.peers);
  }

  /** Connected again: say we are here. */
  reconnected(): void {
    this.announce();
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.live.ephemeral(this.doc, { v: 1, bye: true });
  }

  private announce(): void {
    const name = this.ctx.me?.display_name ?? this.ctx.t('visitor');
    this.live.ephemeral(this.doc, { v: 1, name, color: this.color, ...this.mine });
  }

  private tick(): void {
    if (!this.el.isConnected) return this.dispose();
    this.announce();
    const now = Date.now();
    let changed = false;
    for (const [k, p] of this.peers) {
      if (now - p.seen > GONE_MS) {
        this.peers.delete(k);
        changed = true;
      }
    }
    if (changed) {
      this.draw();
      this.onCursors(this.peers);
    }
  }

  private draw(): void {
    const { t } = this.ctx;
    // Only when who is here changes (not at every cursor move): the list is a live region.
    const signature = [...this.peers.values()].map((p) => `${p.name}\u0000${p.color}`).sort().join('\u0001');
    if (signature === this.drawn) return;
    this.drawn = signature;
    const names = [...this.peers.values()].map((p) => h('li', { class: 'who', style: `--who: ${p.color}` }, p.name));
    this.el.replaceChildren(h('span', { class: 'label' }, names.length ? t('alsoHere') : t('onlyYouHere')));
    if (names.length) this.el.append(h('ul', { class: 'people' }, ...names));
  }
}
