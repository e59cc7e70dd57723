/**
 * Text that arrives with a finding (title, ids, tags, user agents read from CloudTrail) is written by whoever
 * imported the finding or made the call. Each sink gets it made safe for that sink: the page escapes HTML
 * (approval-page.ts), CSV quotes cells (audit-export.ts), log lines are JSON; this module serves plain-text
 * sinks (email subject and body, notes, the operator CLI's terminal output), where line breaks could forge a block,
 * URLs become links and escape sequences drive the terminal.
 */

/** C0/C1 controls, bidirectional overrides and zero-width characters: none belongs in a one-line value. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** One line: controls and invisible formatting removed, every run of white space one space, at most `limit` characters. */
export const oneLine = (text: string, limit = 1_000): string => {
  const flat = text.replace(/\s+/g, ' ').replace(INVISIBLE, '').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
};

/** URLs and bare web hosts in untrusted text defanged, so mail clients do not make them links: hxxps://evil[.]example/. */
export const defang = (text: string): string =>
  text
    .replace(
      /\bh(tt)?(ps?):\/\/([^\s/?#]*)/gi,
      (_m, _tt: string, scheme: string, host: string) => `hxx${scheme}[:]//${host.replace(/\./g, '[.]')}`,
    )
    .replace(/\bwww\./gi, 'www[.]');

/** For plain-text email: one line, defanged, capped. */
export const emailText = (text: string, limit = 500): string => defang(oneLine(text, limit));
