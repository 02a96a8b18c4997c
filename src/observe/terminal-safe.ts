/**
 * Agent text is untrusted: printed raw, an escape sequence in it could recolour the
 * terminal, move the cursor, rewrite the title or hide lines. Every control character
 * except newline and tab is shown visibly instead (ESC as "^[", other C0 in caret
 * notation, C1, DEL and bidirectional overrides as \u{…}), so what the agent wrote is
 * still readable and nothing in it acts on the terminal.
 */
// C0 except \t and \n, DEL, C1, and the bidi embedding/override/isolate controls.
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 64)}`;
  return `\\u{${code.toString(16)}}`;
}

export function terminalSafe(text: string): string {
  return text.replace(unsafe, visible);
}
