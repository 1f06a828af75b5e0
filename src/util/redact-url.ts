/**
 * A database URL as it may appear in a message or a log line: without any
 * secret. libpq-style URLs carry a password in two places: the userinfo
 * (`postgres://user:secret@host/db`, where an unencoded password may itself
 * hold `@`, `/` or `:`) and the query string (`?password=secret`,
 * `?sslpassword=...` for an encrypted client key). Both are replaced, every
 * byte of them, so no part of a secret leaks whatever characters it holds.
 */

/** Query parameters that hold a secret (libpq connection parameters). */
const SECRET_PARAMS = /^(?:password|sslpassword)$/i;

export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return url;
  let rest = url.slice(scheme[0].length);
  // The userinfo ends at the LAST '@' before the query: an unencoded password may hold '@' or '/'.
  const queryAt = rest.indexOf('?');
  const authorityAndPath = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rest.slice(queryAt);
  const at = authorityAndPath.lastIndexOf('@');
  let head = authorityAndPath;
  if (at !== -1) {
    const userinfo = authorityAndPath.slice(0, at);
    const user = userinfo.split(/[:/]/, 1)[0]!;
    head = `${user}${userinfo.length > user.length ? ':***' : ''}@${authorityAndPath.slice(at + 1)}`;
  }
  rest = head + query.replace(/([?&])([^=&#]*)=([^&#]*)/g, (whole, sep: string, name: string) => (SECRET_PARAMS.test(decodeName(name)) ? `${sep}${name}=***` : whole));
  return scheme[0] + rest;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
