/**
 * `certwarden verify`: is this chain trusted under this policy, and is it
 * revoked? Anchors and pins from the policy only; revocation per the policy
 * (live OCSP/CRL fetches unless --no-revocation).
 */
import { Certificate } from '../../x509/certificate.ts';
import { loadCommandPolicy } from '../policy.ts';
import { policyHash } from '../../policy/hash.ts';
import { evaluateTrust, type TrustVerdict } from '../../trust/evaluate.ts';
import { optionalString, parseAt, parseCommandArgs, parseFormat, readInputFile, requireString } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { summarizeCertificate } from '../certificate-summary.ts';
import { palette, writeJson, type Io, type Palette } from '../output.ts';
import { MAX_OCSP_RESPONSE_FILE_BYTES } from './status-output.ts';
import { escapeControl } from '../../util/terminal.ts';

export function verdictJson(v: TrustVerdict, extra: Record<string, unknown>) {
  return {
    trusted: v.trusted,
    reasons: v.reasons,
    path: v.path.map(summarizeCertificate),
    rule: v.rule,
    pinned: v.pinned,
    revocation: v.revocation && {
      status: v.revocation.status,
      accepted: v.revocation.accepted,
      softFailed: v.revocation.softFailed,
      certificates: v.revocation.certificates.map((c) => ({
        certificate: c.certificate,
        status: c.status,
        revocationTime: c.revocationTime,
        revocationReason: c.revocationReason,
        reasons: c.reasons,
        evidence: c.evidence.map(({ der: _der, ...e }) => e),
      })),
    },
    validUntil: v.validUntil,
    ...extra,
  };
}

/** The text verdict. Subjects, hosts and reasons come from certificates and servers: escaped (src/util/terminal.ts). */
function renderText(p: Palette, v: TrustVerdict, host: string | undefined): string {
  const e = escapeControl;
  const lines = [`${p.bold('verdict')}: ${v.trusted ? p.ok('TRUSTED') : p.bad('REJECTED')}${host ? ` for ${e(host)}` : ''}${v.rule ? ` (rule ${e(v.rule.name)})` : ''}`];
  v.path.forEach((c, i) => lines.push(`  ${i === 0 ? 'leaf  ' : i === v.path.length - 1 && v.trusted ? 'anchor' : 'chain '} ${e(c.subject)} ${p.dim(`serial ${c.serialHex}, expires ${c.notAfter.toISOString()}`)}`));
  if (v.revocation) {
    const r = v.revocation;
    const label = r.status === 'good' || r.status === 'na' ? p.ok(r.status) : p.bad(r.status);
    lines.push(`  revocation: ${label}${r.softFailed ? p.warn(' (soft-fail: sources unreachable)') : ''}`);
    for (const c of r.certificates) {
      const sources = c.evidence.map((x) => `${x.source}${x.cached ? ' (cached)' : ''}=${x.status}`).join(', ');
      lines.push(`    ${e(c.certificate.subject)}: ${c.status}${sources ? ` via ${sources}` : ''}`);
    }
  }
  for (const r of v.reasons) lines.push(`  ${p.dim(`[${e(r.code)}]`)} ${e(r.message)}`);
  return `${lines.join('\n')}\n`;
}

const command: Command = {
  summary: 'check a certificate chain against a policy (anchors, pins, revocation)',
  usage: `Usage: certwarden verify --policy FILE --chain FILE [--host NAME] [--at ISO-8601] [--staple FILE] [--no-revocation] [--allow-file-crl] [--format json|text]

--chain is PEM (or DER), leaf first, then intermediates. --host checks the
name (RFC 6125: subjectAltName only) and selects the policy's destination rule.
--staple gives an OCSP response as a server would staple it. Revocation is
checked live (OCSP, CRL) per the policy unless --no-revocation, which the
output then states. Exit 0 trusted, 1 rejected, 2 error.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      policy: { type: 'string' },
      chain: { type: 'string' },
      host: { type: 'string' },
      at: { type: 'string' },
      staple: { type: 'string' },
      'no-revocation': { type: 'boolean' },
      'allow-file-crl': { type: 'boolean' },
      format: { type: 'string' },
    });
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    const at = parseAt(args);
    const policy = loadCommandPolicy(requireString(args, 'policy'), io);
    const chain = Certificate.parseAll(await readInputFile(requireString(args, 'chain'), 'certificate chain'));
    const host = optionalString(args, 'host');
    const staplePath = optionalString(args, 'staple');
    const staple = staplePath ? await readInputFile(staplePath, 'stapled OCSP response', MAX_OCSP_RESPONSE_FILE_BYTES) : undefined;
    const skipRevocation = args.values['no-revocation'] === true;
    const verdict = await evaluateTrust(chain, {
      policy,
      at,
      ...(host ? { host } : {}),
      ...(staple ? { staple } : {}),
      skipRevocation,
      allowFileCrl: args.values['allow-file-crl'] === true,
    });
    if (format === 'json') writeJson(io, verdictJson(verdict, { host, at, revocationChecked: !skipRevocation, policy: { file: policy.file, sha256: policyHash(policy) } }));
    else {
      io.stdout.write(renderText(palette(io), verdict, host));
      if (skipRevocation) io.stdout.write('  note: revocation was not checked (--no-revocation)\n');
    }
    return verdict.trusted ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
