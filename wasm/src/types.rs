//! The TypeScript shapes of the plain objects that cross the boundary. They
//! mirror the serde representations of `folio_core::doc` and
//! `folio_core::sync::typed` (checked by the wasm tests, which read and write
//! every one of them), and are emitted into `folio_wasm.d.ts`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const DOC_TS: &str = r#"
/** An `automerge:` document URL (a bare base58check id is accepted too). */
export type DocId = string;
/** Milliseconds since the Unix epoch. */
export type Timestamp = number;
export type DocKind = "portfolio" | "collection" | "page" | "feedback";

/** What `FolioDoc.create` / `SyncClient.createDoc` make. */
export type NewDoc =
  | { kind: "portfolio"; node: string; title: string }
  | { kind: "collection"; node: string; portfolio: string }
  | { kind: "page"; node: string; collection: string }
  | { kind: "feedback"; thread: string; anchor: Anchor; opener: string; author: Author };

export interface FileRef { hash: string; name: string; mime: string; size: number }
export type NodeSpec = { type: "section" } | { type: "text" } | ({ type: "file" } & FileRef);
export type Format = { format: "bold" } | { format: "italic" } | { format: "link"; href: string };
export type BlockKind =
  | { block: "paragraph" }
  | { block: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6 }
  | { block: "unordered-list-item" }
  | { block: "ordered-list-item" }
  | { block: "blockquote" };
export interface Evaluation { criterion: string; level: string; note?: string | null }

/**
 * One edit of one document. `index` fields may be left out (at the end).
 * Text positions count Unicode code points. Every edit is one change.
 */
export type Edit =
  // portfolio
  | { op: "set_metadata"; title: string; description: string }
  | { op: "add_collection"; id: string; title: string; document: DocId; index?: number | null }
  | { op: "rename_collection"; id: string; title: string }
  | { op: "move_collection"; id: string; index: number }
  | { op: "delete_collection"; id: string }
  // collection
  | { op: "add_page"; id: string; title: string; document: DocId; index?: number | null }
  | { op: "rename_page"; id: string; title: string }
  | { op: "move_page"; id: string; index: number }
  | { op: "delete_page"; id: string }
  // page
  | { op: "add_node"; parent: string; id: string; title: string; spec: NodeSpec; index?: number | null }
  | { op: "add_section"; parent: string; id: string; title: string; index?: number | null }
  | { op: "attach_file"; parent: string; id: string; file: FileRef }
  | { op: "rename"; node: string; title: string }
  | { op: "move_node"; node: string; parent: string; index?: number | null }
  | { op: "delete_node"; node: string }
  | { op: "splice_text"; node: string; index: number; delete?: number; insert?: string }
  | { op: "format"; node: string; start: number; end: number; format: Format; on: boolean }
  | { op: "set_block"; node: string; index: number; kind: BlockKind }
  | { op: "replace_file"; node: string; file: FileRef }
  | { op: "submit"; now: Timestamp }
  | { op: "withdraw" }
  // feedback
  | { op: "add_comment"; id: string; body: string; now: Timestamp }
  | { op: "reply"; id: string; to: string; body: string; now: Timestamp }
  | { op: "evaluate"; id: string; evaluation: Evaluation; body: string; now: Timestamp }
  | { op: "edit_entry"; id: string; body: string; now: Timestamp }
  | { op: "delete_entry"; id: string; now: Timestamp }
  | { op: "hide_entry"; id: string; hidden: boolean }
  | { op: "resolve"; resolved: boolean; now: Timestamp };

/** What a view must update after a local edit or remote changes. */
export type DocPatch =
  | { patch: "documentChanged"; field: string }
  | { patch: "nodeAdded"; node: string }
  | { patch: "nodeRemoved"; node: string }
  | { patch: "nodeChanged"; node: string; field: string }
  | { patch: "textSpliced"; node: string; index: number; text: string }
  | { patch: "textDeleted"; node: string; index: number; length: number }
  | { patch: "textFormatted"; node: string }
  | { patch: "entryAdded"; entry: string }
  | { patch: "entryRemoved"; entry: string }
  | { patch: "entryChanged"; entry: string; field: string };

export interface Run { text: string; bold?: boolean; italic?: boolean; link?: string }
export type Block = BlockKind & { runs: Run[] };
export interface RichText { blocks: Block[] }
export type NodeContent =
  | { type: "section"; text: RichText }
  | { type: "text"; text: RichText }
  | ({ type: "file" } & FileRef);
export interface PageNode { id: string; title: string; content: NodeContent; children: PageNode[] }
export interface Page { node: string; collection: string; submitted_at: Timestamp | null; children: PageNode[] }
export interface CollectionEntry { id: string; title: string; document: DocId | null }
export interface Portfolio { node: string; title: string; description: string; collections: CollectionEntry[] }
export interface PageEntry { id: string; title: string; document: DocId | null }
export interface Collection { node: string; portfolio: string; pages: PageEntry[] }
export interface Anchor { doc: DocId; node: string }
export interface Author { principal: string; name: string; role: string | null; organisation: string | null }
export type EntryKind = { type: "comment" } | { type: "reply"; to: string } | ({ type: "evaluation" } & Evaluation);
export interface Entry {
  id: string; kind: EntryKind; body: string; created_at: Timestamp; edited_at: Timestamp | null;
  deleted: boolean; hidden: boolean;
}
export interface Resolution { resolved: boolean; at: Timestamp }
export interface Feedback {
  thread: string; anchor: Anchor; opener: string; author: Author; entries: Entry[]; resolution: Resolution | null;
}
/** A whole document, read. */
export type DocView =
  | ({ kind: "portfolio" } & Portfolio)
  | ({ kind: "collection" } & Collection)
  | ({ kind: "page" } & Page)
  | ({ kind: "feedback" } & Feedback);
/** One node or entry, read: which one follows from the document's kind. */
export type NodeView = CollectionEntry | PageEntry | PageNode | Entry;

/** Text a refused edit would have added, by node and field (`text`, `title`, `body`…). */
export interface RefusedText { node: string | null; field: string | null; text: string }

/** What `SyncClient.receive` reports. */
export type SyncEvent =
  | { type: "connected"; server: string }
  /** A document arrived: read it whole. */
  | { type: "loaded"; docId: DocId; kind: DocKind }
  | { type: "changed"; docId: DocId; patches: DocPatch[] }
  | { type: "unreadable"; docId: DocId; message: string }
  /** Unknown or forbidden: the server does not say which. */
  | { type: "unavailable"; docId: DocId }
  | { type: "ephemeral"; docId: DocId; sender: string; data: Uint8Array }
  /** A newer policy snapshot: pass `snapshot` to `PolicyEngine.load`. */
  | { type: "policy"; revision: number; snapshot: any }
  /**
   * The server refused local edits. The document was reset to the server's
   * state (read it whole); what was refused is handed back: the reasons in
   * plain words, the text by node, the edits as patches on top of the reset
   * document, the document as it was, and the raw changes.
   */
  | {
      type: "rejected"; docId: DocId; reasons: { hash: string | null; reason: string }[];
      text: RefusedText[]; patches: DocPatch[]; previous: DocView | null; changes: Uint8Array[];
    }
  | { type: "server_error"; message: string };
"#;
