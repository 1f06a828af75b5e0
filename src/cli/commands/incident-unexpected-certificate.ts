/** `certwarden incident unexpected-certificate`: scan the target, write an evidence bundle, list the questions to answer. */
import { join } from 'node:path';
import { CA_FILES, CertificateAuthority } from '../../ca/ca.ts';
import { anchorPolicy } from '../../incident/fleet.ts';
import { numbered, renderSweep } from '../../incident/render.ts';
import { runUnexpectedCertificate, type OrgCa, type UnexpectedResult } from '../../incident/unexpected-certificate.ts';
import { loadPolicy } from '../../policy/load.ts';
import { loadWatchConfig } from '../../watch/config.ts';
import type { Policy } from '../../policy/types.ts';
import { applyResolve, parseResolve, parseStarttls, parseTarget } from '../../scan/target.ts';
import { readFileBounded } from '../../util/bounded-read.ts';
import { escapeControl } from '../../util/terminal.ts';
import { Certificate } from '../../x509/certificate.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { reportPolicyWarnings } from '../policy.ts';
import { caDir } from './ca-common.ts';
import { fleetArgs, fleetJson, runFleet, type FleetOutcome } from './incident-common.ts';

const e = escapeControl;

const VERDICT_TEXT: Record<UnexpectedResult['orgCa']['verdict'], string> = {
  issued: 'issued by the organisation\'s CA (in its inventory, not revoked)',
  'issued-revoked': 'issued by the organisation\'s CA and REVOKED: the endpoint serves a revoked certificate',
  'signed-not-recorded': 'SIGNED BY THE ORGANISATION\'S ISSUING CA KEY BUT NOT IN ITS INVENTORY: treat the CA key as compromised',
  'not-issued': 'NOT issued by the organisation\'s CA',
  unknown: 'unknown (no CA inventory given: --dir CADIR, or a watch configuration with a ca: entry)',
};

function renderText(r: UnexpectedResult, fleet: FleetOutcome | undefined): string {
  const lines = [`Unexpected certificate on ${e(r.target)} at ${r.at}`];
  if (!r.reached) lines.push(`  not reached: ${e(r.downReason ?? 'no certificate was served')}`);
  r.chain.forEach((c, i) => {
    lines.push(`  [${i}] ${e(c.subject)}`, `      issuer ${e(c.issuer)}`, `      serial ${c.serial}, valid ${c.notBefore} .. ${c.notAfter}`, `      sha256 ${c.sha256}`, `      sha1   ${c.sha1}`, `      pin    ${c.spkiPin}`);
    if (i === 0) {
      if (c.dnsNames.length > 0) lines.push(`      names  ${c.dnsNames.map(e).join(', ')}`);
      const ct = c.ct;
      lines.push(`      CT     ${ct.embeddedScts.length} embedded SCT(s)${ct.embeddedScts.map((s) => `; log ${s.logId} at ${s.timestamp}`).join('')}${ct.problem ? ` (${e(ct.problem)})` : ''}${ct.precertificatePoison ? '; PRECERTIFICATE POISON: a precertificate must never be served' : ''}`);
    }
  });
  lines.push(`  trusted by the policy: ${r.trusted ? 'yes' : 'no'}`, `  organisation's CA: ${VERDICT_TEXT[r.orgCa.verdict]}`);
  if (r.findings.length > 0) lines.push(`  scan findings: ${r.findings.join(', ')}`);
  lines.push(`Evidence bundle (0700): ${e(r.bundle.dir)}`, ...r.bundle.files.map((f) => `  ${e(join(r.bundle.dir, f))}`));
  if (fleet) lines.push(...renderSweep(fleet.sweep, { what: 'serves this certificate', source: fleet.source }));
  lines.push(...numbered('Questions to answer (people):', r.questions.map(e)));
  return `${lines.join('\n')}\n`;
}

/** The CA home's inventory and issuing certificate, read without any key. */
function openOrgCa(dir: string): OrgCa {
  const issuing = Certificate.parse(readFileBounded(join(dir, CA_FILES.issuingCert), { what: 'the CA\'s issuing certificate' }));
  return { dir, store: CertificateAuthority.openStore(dir), issuing };
}

function watchCaHomes(file: string | undefined): string[] {
  return file === undefined ? [] : loadWatchConfig(file).caHomes;
}

function policyFor(file: string | undefined, dir: string | undefined, io: Io): Policy {
  if (file !== undefined) {
    const p = loadPolicy(file);
    reportPolicyWarnings(p, file, io);
    return p;
  }
  if (dir !== undefined) return anchorPolicy(Certificate.parseAll(readFileBounded(join(dir, CA_FILES.chain), { what: 'the CA chain' })).slice(-1));
  // Neither: the verdict then says whether the runtime's public roots accept it.
  return loadPolicy({ version: 1, trust: { system: true } }, { sourceName: '<incident: the public roots>' });
}

const command: Command = {
  summary: 'an endpoint serves an unexpected certificate: evidence bundle and the questions to answer',
  usage: `Usage: certwarden incident unexpected-certificate TARGET [--policy FILE] [--dir CADIR] [--out DIR]
       [--resolve HOST:PORT:ADDR] [--starttls PROTO] [--targets FILE | --watch-config FILE] [--format text|json]

Scans TARGET (every check of scan, with replayable evidence) and writes an
evidence bundle to DIR (a new folder, created 0700; default
./incident-evidence-TIME): the served chain (chain.pem, leaf.pem), the scan
report (scan-report.json), each certificate's fingerprints, SPKI pin, issuer
and Certificate Transparency fields (certificates.json), the scan evidence
(scan-evidence/, replayable with \`scan --replay\`) and a summary (bundle.json).
With --dir CADIR (read only; no passphrase needed; default: the watch
configuration's \`ca:\` entries) it says whether the organisation's CA
issued the leaf, and whether its key signed a certificate the CA has no
record of. --targets/--watch-config also sweep the fleet for
other endpoints serving the same certificate. Nothing is revoked or changed.
Without --policy the verdict is against the CA's root (--dir), else the public roots.
Exit: 0 the organisation's CA issued it and has not revoked it, 1 anything
else (another CA, revoked, unknown), 2 usage error or the target could not be
reached.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(
      argv,
      { dir: { type: 'string' }, policy: { type: 'string' }, out: { type: 'string' }, resolve: { type: 'string', multiple: true }, starttls: { type: 'string' }, targets: { type: 'string' }, 'watch-config': { type: 'string' }, format: { type: 'string' } },
      true,
    );
    const format = parseFormat(args, ['text', 'json'], 'text');
    if (args.positionals.length !== 1) throw usageError('give exactly one TARGET (host[:port] or an https:// URL)');
    const overrides = ((args.values.resolve as string[] | undefined) ?? []).map(parseResolve);
    const target = applyResolve([parseTarget(args.positionals[0]!, parseStarttls(optionalString(args, 'starttls')))], overrides)[0]!;
    const dir = optionalString(args, 'dir') !== undefined ? caDir(args, io) : undefined;
    const policyFile = optionalString(args, 'policy');
    const policy = policyFor(policyFile, dir, io);
    const fleet = await fleetArgs(args, () => policy.trust.anchors);
    const outDir = optionalString(args, 'out') ?? `incident-evidence-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
    // The CA inventories: --dir, else the watch configuration's `ca:` entries (what its served-unknown events compare with).
    const homes = dir !== undefined ? [dir] : watchCaHomes(optionalString(args, 'watch-config'));
    const orgCas: OrgCa[] = [];
    let result: UnexpectedResult;
    try {
      for (const home of homes) orgCas.push(openOrgCa(home));
      ({ result } = await runUnexpectedCertificate({ target, policy, outDir, orgCas }));
    } finally {
      for (const c of orgCas) await c.store.close();
    }
    const leaf = result.chain[0];
    const outcome = leaf ? await runFleet(fleet, (chain) => (chain[0]?.sha256 === leaf.sha256 ? 'serves this certificate' : undefined), io) : undefined;
    if (format === 'json') writeJson(io, { playbook: 'unexpected-certificate', ...result, fleet: fleetJson(outcome) });
    else io.stdout.write(renderText(result, outcome));
    if (!result.reached) return ExitCode.ERROR;
    return result.orgCa.verdict === 'issued' ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
