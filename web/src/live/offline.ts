// Copies of documents with edits the server may not have yet, per person and
// document, in localStorage (base64 of Automerge's saved bytes), so a reload
// or a closed tab loses nothing; live/connection.ts decides when to keep and
// drop them.
import type { DocId } from '../../pkg/folio_wasm.js';

/** Copies of documents with edits not yet on the server, per person, in localStorage. */
export class OfflineStore {
  constructor(private readonly principal: string) {}
  private key(doc: DocId): string {
    return `folio.offline.${this.principal}.${doc}`;
  }
  keep(doc: DocId, bytes: Uint8Array): void {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    try {
      localStorage.setItem(this.key(doc), btoa(s));
    } catch (e) {
      console.warn('cannot keep an offline copy:', e); // storage full: the tab still holds the edits
    }
  }
  load(doc: DocId): Uint8Array | null {
    const v = localStorage.getItem(this.key(doc));
    if (!v) return null;
    try {
      return Uint8Array.from(atob(v), (c) => c.charCodeAt(0));
    } catch {
      return null;
    }
  }
  drop(doc: DocId): void {
    localStorage.removeItem(this.key(doc));
  }
}
