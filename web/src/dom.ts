// A tiny DOM builder: no framework, typed by tag name.

type Attrs = Record<string, string | boolean | undefined | ((ev: Event) => void)>;
export type Child = Node | string | null | undefined | false;

/** Creates an element. `on…` attributes given functions become listeners;
 * `true` booleans become empty attributes; `false`/`undefined` are skipped. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

let counter = 0;
/** A unique id for label/control pairs. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
