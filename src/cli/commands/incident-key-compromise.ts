/** `certwarden incident key-compromise`: revoke (keyCompromise), publish a CRL, replace with a new key, sweep the fleet. */
import { join } from 'node:path';
import { parseCsr } from '../../ca/csr.ts';
import { runKeyCompromise, servesCertificate, type KeyCompromiseResult } from '../../incident/key-compromise.ts';
import { numbered, renderPins, renderSweep } from '../../incident/render.ts';
import { loadPolicy } from '../../policy/load.ts';
import { escapeControl } from '../../util/terminal.ts';
import { Certificate } from '../../x509/certificate.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, requireString, usageError } from '../args.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa, readCaInput } from './ca-common.ts';
import { FLEET_OPTIONS, FLEET_USAGE, fleetArgs, fleetExitCode, fleetJson, runFleet } from './incident-common.ts';

const e = escapeControl;

function renderText(r: KeyCompromiseResult): string[] {
  const c = r.compromised;
  const lines = [`Key compromise: ${c.serial} ${e(c.subject)} (${c.sans.map(e).join(', ')})`, `  compromised certificate sha256 ${c.sha256}, key ${c.spkiPin}`];
  const rv = r.revocation;
  lines.push(rv.state === 'revoked-now' ? `  revoked now (${rv.reason}) at ${rv.revokedAt}${rv.invalidityDate ? `, invalid since ${rv.invalidityDate}` : ''}` : `  already revoked (${rv.reason}) at ${rv.revokedAt}: not revoked again`);
  if (rv.note) lines.push(`  note: ${rv.note}`);
  lines.push(`  CRL #${r.crl.number} signed now (${r.crl.entries} entries, next update ${r.crl.nextUpdate}): ${e(r.crl.file)}`);
  const n = r.replacement;
  lines.push(`${n.state === 'issued-now' ? 'Replacement issued' : 'Replacement already issued (not issued again)'}: ${n.serial} ${e(n.subject)} until ${n.notAfter}`, `  new key ${n.spkiPin}, sha256 ${n.sha256}`);
  lines.push(`  ${e(n.files.chain)}`, `  ${e(n.files.certificate)}`, ...(n.files.key ? [`  ${e(n.files.key)} (0600)`] : []));
  lines.push(...renderPins(r.stalePins, n.spkiPin));
  lines.push(...numbered('Deploy steps (people):', r.deploySteps.map(e)));
  return lines;
}

/** The certificate file as deployed: the certificate alone, or a chain file whose first certificate is the leaf. */
function compromisedCertificate(file: string): Certificate {
  const all = Certificate.parseAll(readCaInput(file, 'the compromised certificate'));
  const leaf = all[0];
  if (!leaf) throw usageError(`${e(file)} holds no certificate`);
  if (leaf.isCA) throw usageError(`the first certificate in ${e(file)} is a CA certificate (${e(leaf.subject)}): give the end-entity certificate, or use \`certwarden incident ca-compromise\` for a CA`);
  return leaf;
}

const command: Command = {
  summary: 'a key is compromised: revoke, new CRL, replace with a new key, sweep the fleet',
  usage: `Usage: certwarden incident key-compromise --cert FILE --dir CADIR [--out DIR] [--csr FILE]
       [--invalidity-date ISO-8601] [--crl-out FILE] [--targets FILE | --watch-config FILE] [--policy FILE]
       [--until-clean [--interval D] [--timeout D]] [--format text|json]

Revokes the certificate in FILE (or the first of a chain file) in the CA with reason keyCompromise (RFC 5280
§5.3.1), signs a new CRL at once (--crl-out, default OUT/ca.crl), issues a
replacement for the same names and profile with a NEW key (OUT/replacement-SERIAL.*,
the key 0600; --csr uses a CSR's key instead, refused if it is a compromised key),
prints the deploy steps and the policy's pins of the old key, then sweeps the
fleet for endpoints still serving the old certificate (by SHA-256).
Running it again reports what was done and does not revoke or issue twice.
OUT defaults to ./incident-SERIAL (created 0700).
Exit: 0 done and no endpoint serves the old certificate, 1 some still do (or
--until-clean timed out), 2 usage or operational error, or an endpoint that
could not be reached.

${FLEET_USAGE}

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, ...FLEET_OPTIONS, cert: { type: 'string' }, out: { type: 'string' }, csr: { type: 'string' }, 'crl-out': { type: 'string' }, 'invalidity-date': { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const certificate = compromisedCertificate(requireString(args, 'cert'));
    const inv = optionalString(args, 'invalidity-date');
    const invalidityDate = inv === undefined ? undefined : new Date(inv);
    if (invalidityDate && Number.isNaN(invalidityDate.getTime())) throw usageError(`--invalidity-date must be an ISO-8601 time (got "${e(inv!)}")`);
    const csr = optionalString(args, 'csr');
    const replacementKey = csr === undefined ? undefined : parseCsr(readCaInput(csr, 'certificate request')).publicKey;
    const policyFile = optionalString(args, 'policy');
    const ca = await openCa(args, io);
    let result: KeyCompromiseResult;
    let fleet;
    try {
      fleet = await fleetArgs(args, () => [ca.root]);
      const crlFile = optionalString(args, 'crl-out');
      result = await runKeyCompromise({
        ca,
        certificate,
        outDir: optionalString(args, 'out') ?? join('.', `incident-${certificate.serialHex}`),
        ...(crlFile !== undefined ? { crlFile } : {}),
        ...(replacementKey ? { replacementKey } : {}),
        ...(invalidityDate ? { invalidityDate } : {}),
        ...(fleet.fleet ? { policy: fleet.fleet.policy } : policyFile !== undefined ? { policy: loadPolicy(policyFile) } : {}),
      });
    } finally {
      await ca.close();
    }
    const outcome = await runFleet(fleet, servesCertificate(result.compromised.sha256, result.compromised.serial), io);
    if (format === 'json') writeJson(io, { playbook: 'key-compromise', ...result, fleet: fleetJson(outcome) });
    else {
      const lines = renderText(result);
      if (outcome) lines.push(...renderSweep(outcome.sweep, { what: 'serves the compromised certificate', source: outcome.source, rounds: outcome.rounds, clean: outcome.clean, untilClean: fleet.untilClean }));
      else lines.push('Fleet: not swept (give --targets FILE or --watch-config FILE to find endpoints still serving the old certificate).');
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return fleetExitCode(outcome, fleet.untilClean);
  },
};

export default command;
