// Minimal CBOR walker producing RFC 8949 diagnostic notation (EDN) and a JSON view.
// Independent of cbor-x so the fixtures document the bytes actually on the wire:
// key order, text vs byte strings, integer widths, `undefined` (0xf7), tags.

/** Parse one CBOR item at `pos`; returns { node, end }. Nodes are {t, ...}. */
function parseItem(buf, pos) {
  const ib = buf[pos];
  if (ib === undefined) throw new Error(`truncated CBOR at ${pos}`);
  const major = ib >> 5;
  const ai = ib & 0x1f;
  let p = pos + 1;
  let arg;
  let width = 0; // bytes of argument following the initial byte
  if (ai < 24) arg = ai;
  else if (ai === 24) { arg = buf[p]; width = 1; }
  else if (ai === 25) { arg = buf.readUInt16BE(p); width = 2; }
  else if (ai === 26) { arg = buf.readUInt32BE(p); width = 4; }
  else if (ai === 27) { arg = buf.readBigUInt64BE(p); width = 8; if (arg <= BigInt(Number.MAX_SAFE_INTEGER)) arg = Number(arg); }
  else if (ai === 31) arg = null; // indefinite length
  else throw new Error(`reserved additional info ${ai} at ${pos}`);
  p += width;
  // Non-preferred (longer than necessary) argument encodings are flagged with an EDN
  // encoding indicator (_0 = 1 byte, _1 = 2, _2 = 4, _3 = 8). cbor-x writes every map
  // header as 0xb9 + uint16 length, so `{_1 ...}` shows up on almost every frame.
  const preferred = arg === null || typeof arg === "bigint" ? width : arg < 24 ? 0 : arg < 0x100 ? 1 : arg < 0x10000 ? 2 : arg < 0x100000000 ? 4 : 8;
  const wide = width !== preferred ? width : 0;
  switch (major) {
    case 0: return { node: { t: "uint", v: arg, wide }, end: p };
    case 1: return { node: { t: "nint", v: typeof arg === "bigint" ? -1n - arg : -1 - arg, wide }, end: p };
    case 2:
    case 3: {
      if (arg === null) {
        const chunks = [];
        while (buf[p] !== 0xff) { const r = parseItem(buf, p); chunks.push(r.node); p = r.end; }
        p += 1;
        if (major === 2) return { node: { t: "bytes", v: Buffer.concat(chunks.map(c => c.v)), indefinite: true }, end: p };
        return { node: { t: "text", v: chunks.map(c => c.v).join(""), indefinite: true }, end: p };
      }
      const slice = buf.subarray(p, p + arg);
      if (slice.length !== arg) throw new Error("truncated string");
      p += arg;
      if (major === 2) return { node: { t: "bytes", v: Buffer.from(slice), wide }, end: p };
      return { node: { t: "text", v: slice.toString("utf8"), wide }, end: p };
    }
    case 4: {
      const items = [];
      if (arg === null) { while (buf[p] !== 0xff) { const r = parseItem(buf, p); items.push(r.node); p = r.end; } p += 1; }
      else for (let i = 0; i < arg; i++) { const r = parseItem(buf, p); items.push(r.node); p = r.end; }
      return { node: { t: "array", v: items, indefinite: arg === null, wide }, end: p };
    }
    case 5: {
      const entries = [];
      const n = arg === null ? Infinity : arg;
      for (let i = 0; i < n; i++) {
        if (arg === null && buf[p] === 0xff) { p += 1; break; }
        const k = parseItem(buf, p); p = k.end;
        const v = parseItem(buf, p); p = v.end;
        entries.push([k.node, v.node]);
      }
      return { node: { t: "map", v: entries, indefinite: arg === null, wide }, end: p };
    }
    case 6: {
      const r = parseItem(buf, p);
      return { node: { t: "tag", tag: arg, v: r.node }, end: r.end };
    }
    case 7: {
      if (ai === 20) return { node: { t: "simple", v: false }, end: p };
      if (ai === 21) return { node: { t: "simple", v: true }, end: p };
      if (ai === 22) return { node: { t: "simple", v: null }, end: p };
      if (ai === 23) return { node: { t: "simple", v: undefined }, end: p };
      if (ai === 25) return { node: { t: "float", v: halfToFloat(buf.readUInt16BE(pos + 1)), bits: 16 }, end: p };
      if (ai === 26) return { node: { t: "float", v: buf.readFloatBE(pos + 1), bits: 32 }, end: p };
      if (ai === 27) return { node: { t: "float", v: buf.readDoubleBE(pos + 1), bits: 64 }, end: p };
      return { node: { t: "simple", v: `simple(${arg})` }, end: p };
    }
  }
  throw new Error("unreachable");
}

function halfToFloat(h) {
  const s = (h & 0x8000) ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function parseCbor(bytes) {
  const buf = Buffer.from(bytes.buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);
  const { node, end } = parseItem(buf, 0);
  if (end !== buf.length) throw new Error(`trailing bytes after CBOR item: ${buf.length - end}`);
  return node;
}

/** RFC 8949 diagnostic notation. Byte strings longer than `maxBytes` are elided. */
const ind = node => (node.wide ? `_${Math.log2(node.wide)}` : "");
export function diag(node, maxBytes = Infinity) {
  switch (node.t) {
    case "uint": case "nint": return String(node.v) + ind(node);
    case "bytes": {
      const hex = node.v.toString("hex");
      return (hex.length / 2 > maxBytes ? `h'${hex.slice(0, maxBytes * 2)}…'(${node.v.length} bytes)` : `h'${hex}'`) + ind(node);
    }
    case "text": return JSON.stringify(node.v) + ind(node);
    case "array": return `[${node.indefinite ? "_ " : node.wide ? ind(node) + " " : ""}${node.v.map(n => diag(n, maxBytes)).join(", ")}]`;
    case "map": return `{${node.indefinite ? "_ " : node.wide ? ind(node) + " " : ""}${node.v.map(([k, v]) => `${diag(k, maxBytes)}: ${diag(v, maxBytes)}`).join(", ")}}`;
    case "tag": return `${node.tag}(${diag(node.v, maxBytes)})`;
    case "simple": return node.v === undefined ? "undefined" : String(node.v);
    case "float": return (Number.isInteger(node.v) ? node.v.toFixed(1) : String(node.v)) + `_${{ 16: 1, 32: 2, 64: 3 }[node.bits]}`;
  }
  return "?";
}

/** JSON view: byte strings become lowercase hex strings, `undefined` becomes {"$undefined": true}. */
export function toJson(node) {
  switch (node.t) {
    case "uint": case "nint": return typeof node.v === "bigint" ? node.v.toString() : node.v;
    case "bytes": return node.v.toString("hex");
    case "text": return node.v;
    case "array": return node.v.map(toJson);
    case "map": return Object.fromEntries(node.v.map(([k, v]) => [k.t === "text" ? k.v : diag(k), toJson(v)]));
    case "tag": return { $tag: node.tag, value: toJson(node.v) };
    case "simple": return node.v === undefined ? { $undefined: true } : node.v;
    case "float": return node.v;
  }
}

/** Schema view: for each map key (dotted path), the CBOR type on the wire. */
export function wireTypes(node, prefix = "", out = {}) {
  if (node.t === "map") {
    for (const [k, v] of node.v) {
      const path = prefix + (k.t === "text" ? k.v : diag(k));
      out[path] = v.t === "simple" ? (v.v === undefined ? "undefined" : v.v === null ? "null" : "bool") : v.t;
      if (v.t === "map") wireTypes(v, path + ".", out);
      if (v.t === "array") v.v.forEach((item, i) => { out[`${path}[${i}]`] = item.t; });
    }
  }
  return out;
}
