/**
 * The one string order of the library: by UTF-16 code units, the same under every locale (never
 * `localeCompare`, whose order depends on LANG/ICU: `ch` sorts after `h` in Czech).
 */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
