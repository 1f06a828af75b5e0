/**
 * Making untrusted text safe to print on a terminal.
 *
 * Certificate subjects, SANs, server banners, OCSP responder names and config
 * values are chosen by whoever made them. Printed raw, a newline forges an
 * extra output line (a fake `verdict: TRUSTED`, a fake `sha256/` pin) and an
 * escape sequence (`ESC[8m`, OSC 52) hides text or writes to the clipboard.
 * Every text renderer passes such values through {@link escapeControl}.
 */

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and
// bidirectional overrides that reorder what a reader sees (Trojan Source).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\x1b':
      return '\\e';
    default: {
      const code = ch.codePointAt(0) ?? 0;
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/** Replace every control, separator and bidi-override character with a visible escape. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** True when {@link escapeControl} would change the text. */
export function hasControl(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
