/**
 * Certificate entries (`trust.cas`, `inbound.client-cas`, and the files and
 * PEM of `trust.self-signed`): each a file path, read bounded and cached per
 * load, or an inline PEM; anchors that cannot do what the writer likely
 * meant (expired, not a CA) load with a warning.
 */
import { isAbsolute, resolve } from 'node:path';
import { Certificate } from '../../x509/certificate.ts';
import { readCaFile } from '../read-files.ts';
import type { CaSource } from '../types.ts';
import { problem, warn, type Ctx } from './context.ts';
import { cleanLocation, formatPath, type Json, type PathSeg } from './source.ts';

/** A `cas` / `client-cas` list: each entry read and parsed, each anchor checked (expired, not a CA: warnings). */
export function readCas(ctx: Ctx, list: Json[], path: readonly PathSeg[]): CaSource[] {
  const out: CaSource[] = [];
  list.forEach((entry, i) => {
    const p = [...path, i];
    const source = readCertificateEntry(ctx, entry, p);
    if (!source) return;
    out.push(source);
    checkAnchors(ctx, p, source.certificates, source.kind === 'inline' ? 'the inline PEM' : `"${String(entry)}"`);
  });
  return out;
}

/** One file path or inline PEM entry (of `trust.cas`, `client-cas` or `trust.self-signed`), read and parsed; problems recorded. */
export function readCertificateEntry(ctx: Ctx, entry: Json, p: readonly PathSeg[]): CaSource | undefined {
  const entryText = String(entry);
  const location = cleanLocation(ctx.src.locate(p));
  if (entryText.includes('-----BEGIN')) {
    try {
      return { source: 'inline', kind: 'inline', certificates: Certificate.parseAll(entryText), location };
    } catch (cause) {
      problem(ctx, p, `${formatPath(p)}: the inline PEM does not hold a certificate: ${(cause as Error).message}`);
    }
    return undefined;
  }
  const file = isAbsolute(entryText) ? entryText : resolve(ctx.baseDir, entryText);
  let cached = ctx.files.get(file);
  if (!cached) {
    const read = readCaFile(file);
    const data = read.ok ? read.data : undefined;
    if (!read.ok) {
      cached = { error: `cannot read CA file "${file}" (${read.why}); relative paths resolve from ${ctx.src.file ? "the policy file's folder" : 'the base folder'} (${ctx.baseDir})` };
    }
    if (data) {
      try {
        cached = { certificates: Certificate.parseAll(data) };
      } catch (cause) {
        cached = { error: `CA file "${file}" does not hold a certificate in PEM or DER form: ${(cause as Error).message}` };
      }
    }
    ctx.files.set(file, cached!);
  }
  if ('error' in cached!) {
    problem(ctx, p, `${formatPath(p)}: ${cached.error}`);
    return undefined;
  }
  return { source: file, kind: 'file', certificates: cached!.certificates, location };
}

function checkAnchors(ctx: Ctx, path: readonly PathSeg[], certs: readonly Certificate[], what: string): void {
  for (const c of certs) {
    if (c.notAfter.getTime() < ctx.now.getTime()) {
      warn(ctx, path, `${formatPath(path)}: anchor "${c.subject}" in ${what} expired on ${c.notAfter.toISOString()}; it can no longer anchor a valid path`);
    }
    let ca = false;
    try {
      ca = c.isCA;
    } catch {
      ca = false;
    }
    if (!ca) warn(ctx, path, nonCaAnchorWarning(formatPath(path), c.subject, what));
  }
}

/**
 * A non-CA anchor (usually a leaf pasted into trust.cas) can only anchor
 * itself, and, being an anchor, is never revocation-checked (RFC 5280 §6.1:
 * trust anchor information is an input to path validation, not a certificate
 * in the path): revoking it at its CA changes nothing. Said at load, since
 * nothing at verification time will.
 */
function nonCaAnchorWarning(where: string, subject: string, what: string): string {
  return (
    `${where}: "${subject}" in ${what} is not a CA certificate (no basicConstraints cA); it can only anchor itself, and as an anchor it is never revocation-checked ` +
    `(RFC 5280 §6.1: a trust anchor is an input to path validation, not a certificate in the path), so it stays trusted even if its issuer revokes it; ` +
    `list its CA instead to have it checked, or remove it when it must no longer be trusted`
  );
}

/** Every certificate of the sources, in order, duplicates (by fingerprint) removed. */
export function anchorsOf(sources: readonly CaSource[]): Certificate[] {
  const seen = new Set<string>();
  const out: Certificate[] = [];
  for (const s of sources) {
    for (const c of s.certificates) {
      if (seen.has(c.fingerprint256)) continue;
      seen.add(c.fingerprint256);
      out.push(c);
    }
  }
  return out;
}
