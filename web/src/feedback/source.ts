// Where the panel's feedback comes from, and how one's own contributions get
// to the server.
//
// - Which feedback documents exist and may be read: `GET …/documents` (the
//   server filters by Read on the anchor and the hide-feedback rule). Each
//   is fetched over the tab's live connection, so changes to it arrive live.
// - New threads and new participants: the author registers their document
//   (`POST …/feedback-threads`), creates it with exactly the registered
//   values, and — once the first entry is in it — tells the page's other
//   readers with an ephemeral hint on the page document. The hint carries no
//   feedback: it only makes them ask the server for the list again, and the
//   server decides what they get. (Without it a new thread would appear
//   only after a reload: the server does not push document lists.)
// - Who wrote what: `GET …/feedback-authors` (name, role, and for externals
//   their organisation's name and logo).
import { api, ApiError } from '../api';
import type { DocId, Edit, Feedback } from '../../pkg/folio_wasm.js';
import type { EditResult, Live } from '../live/connection';

export interface OrgView { id: number; name: string; logo: string | null }
export interface AuthorView { principal: string; name: string; role: string | null; external: boolean; organisation: OrgView | null }
interface Registered { id: string; url: DocId; thread: string; node: string; opener: string; author: { principal: string; name: string; role: string | null; organisation: string | null } }
interface Listed { url: DocId; node: string; role: string | { feedback: { thread: string; author: string; opener: string } } }

/** The ephemeral hint's shape (presence messages carry `v: 1`; this one never does). */
export interface FeedbackHint { folio: 'feedback'; thread: string }

export function isHint(data: Uint8Array): boolean {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as Partial<FeedbackHint>;
    return v?.folio === 'feedback' && typeof v.thread === 'string';
  } catch {
    return false;
  }
}

const enc = encodeURIComponent;

export class FeedbackSource {
  /** Feedback documents this panel follows (the server listed them), by URL. */
  readonly docs = new Set<DocId>();
  authors = new Map<string, AuthorView>();
  /** My document per thread, once registered. */
  private readonly mine = new Map<string, DocId>();
  /** Edits waiting for my (existing) document to arrive. */
  private readonly waiting = new Map<DocId, Edit[]>();
  private readonly retries = new Map<DocId, number>();
  private refreshing: Promise<void> | null = null;
  private again = false;

  constructor(private readonly live: Live, private readonly portfolio: string, private readonly pageDoc: DocId,
    private readonly anchors: () => Set<string>) {}

  /** Asks the server again which feedback documents and authors there are; follows new ones. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.load();
      } while (this.again);
    })().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    let listed: Listed[];
    try {
      listed = await api<Listed[]>('GET', `/api/portfolios/${enc(this.portfolio)}/documents`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return; // access ended: the page says so
      throw e;
    }
    const anchors = this.anchors();
    for (const d of listed) {
      if (typeof d.role === 'string' || !anchors.has(d.node)) continue;
      if (d.role.feedback.author === this.live.principal) this.mine.set(d.role.feedback.thread, d.url);
      if (!this.docs.has(d.url)) {
        this.docs.add(d.url);
        this.live.find(d.url);
      }
    }
    const authors = await api<AuthorView[]>('GET', `/api/portfolios/${enc(this.portfolio)}/feedback-authors`);
    this.authors = new Map(authors.map((a) => [a.principal, a] as [string, AuthorView]));
  }

  /** A document of ours was answered `unavailable` (an overtaken hint): ask once more shortly. */
  retry(doc: DocId): void {
    const tries = this.retries.get(doc) ?? 0;
    if (!this.docs.has(doc) || tries >= 3) return; // truly unavailable (e.g. access ended): leave it
    this.retries.set(doc, tries + 1);
    setTimeout(() => this.live.find(doc), 800 * (tries + 1));
  }

  /** The held feedback documents, read. */
  read(): [string, Feedback][] {
    const out: [string, Feedback][] = [];
    for (const doc of this.docs) {
      const v = this.live.client.read(doc) as (Feedback & { kind: string }) | undefined;
      if (v?.kind === 'feedback') out.push([doc, v]);
    }
    return out;
  }

  /** My document in a thread, if I have written in it. */
  myDoc(thread: string): DocId | undefined {
    return this.mine.get(thread);
  }

  /** An edit in my document of `thread` (a new thread when `thread` is null), registering and creating it first if needed. */
  async write(node: string, thread: string | null, edit: Edit): Promise<EditResult> {
    const known = thread ? this.mine.get(thread) : undefined;
    if (known && this.live.client.status(known) === 'ready') return this.live.edit(known, edit);
    if (known) return this.wait(known, edit);
    // Not in the list: register (the server answers the same document if it exists after all).
    const reg = await api<Registered>('POST', `/api/portfolios/${enc(this.portfolio)}/feedback-threads`, thread ? { node, thread } : { node });
    this.mine.set(reg.thread, reg.url);
    this.docs.add(reg.url);
    const status = this.live.client.status(reg.url);
    if (status === 'ready') return this.live.edit(reg.url, edit);
    if (status !== undefined) return this.wait(reg.url, edit);
    const created = this.live.create(reg.url, {
      kind: 'feedback', thread: reg.thread, anchor: { doc: this.pageDoc, node: reg.node }, opener: reg.opener, author: reg.author,
    });
    if (!created.ok) return created;
    const r = this.live.edit(reg.url, edit);
    if (r.ok) this.hint(reg.thread);
    return r;
  }

  /** My document exists on the server but is not here yet: the edit is made when it arrives. */
  private wait(doc: DocId, edit: Edit): EditResult {
    this.waiting.set(doc, [...(this.waiting.get(doc) ?? []), edit]);
    this.live.find(doc);
    return { ok: true, patches: [] };
  }

  /** A document arrived: edits waiting for it are made now. */
  arrived(doc: DocId): EditResult[] {
    const edits = this.waiting.get(doc);
    if (!edits) return [];
    this.waiting.delete(doc);
    const out = edits.map((e) => this.live.edit(doc, e));
    const thread = [...this.mine.entries()].find(([, d]) => d === doc)?.[0];
    if (thread) this.hint(thread);
    return out;
  }

  /** Tells the page's other readers to ask for the feedback list again. */
  hint(thread: string): void {
    const hint: FeedbackHint = { folio: 'feedback', thread };
    this.live.ephemeral(this.pageDoc, hint);
  }
}
