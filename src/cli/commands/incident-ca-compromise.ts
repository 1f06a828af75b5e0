/** `certwarden incident ca-compromise`: revoke the issuing CA on the root's CRL, list and reissue, pins, sweep the fleet. */
import { join } from 'node:path';
import { CertificateAuthority } from '../../ca/ca.ts';
import { isPostgresUrl, PostgresStore } from '../../ca/postgres-store.ts';
import { redactUrl } from '../../util/redact-url.ts';
import { chainsToCompromisedCa, runCaCompromise, type CaCompromiseResult } from '../../incident/ca-compromise.ts';
import { numbered, renderAnchors, renderPins, renderSweep } from '../../incident/render.ts';
import { loadPolicy } from '../../policy/load.ts';
import { escapeControl } from '../../util/terminal.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa, passphrase, withPassphraseHint } from './ca-common.ts';
import { resolvePassphrase } from './ca-passphrase.ts';
import { FLEET_OPTIONS, FLEET_USAGE, fleetArgs, fleetExitCode, fleetJson, runFleet } from './incident-common.ts';

const e = escapeControl;

function renderText(r: CaCompromiseResult): string[] {
  const c = r.compromisedCa;
  const lines = [`CA compromise: ${e(c.subject)} (serial ${c.serial}, ${e(c.dir ?? 'shared store')})`, `  issuing CA sha256 ${c.sha256}, key ${c.spkiPin}`];
  const rv = r.revocation;
  if (rv.state === 'revoked-now') lines.push(`  revoked now by the root (${rv.reason}) at ${rv.revokedAt}`);
  else if (rv.state === 'already-revoked') lines.push(`  already revoked by the root (${rv.reason}) at ${rv.revokedAt}: not revoked again`);
  else lines.push('  NOT revoked here (see note)');
  if (rv.note) lines.push(`  note: ${e(rv.note)}`);
  if (rv.rootCrl) lines.push(`  root CRL #${rv.rootCrl.number} signed now: ${e(rv.rootCrl.file ?? 'kept in the shared store')}`);
  lines.push(r.newCa.state === 'given' ? `New CA: ${e(r.newCa.subject ?? '')} in ${e(r.newCa.dir ?? r.newCa.store ?? '')} (root sha256 ${r.newCa.rootSha256})` : 'New CA: to be created (the CA cannot re-key an issuing CA under the same root; the root key shared the compromised CA home):');
  lines.push(...r.newCa.commands.map((s) => (s.startsWith('#') ? `  ${e(s)}` : `  $ ${e(s)}`)));
  lines.push(`Still valid under the compromised CA: ${r.stillValid.length}`);
  for (const v of r.stillValid) {
    const re = v.reissue ? (v.reissue.state === 'reissued-now' ? `reissued now as ${v.reissue.serial}: ${e(v.reissue.files.chain)}, ${e(v.reissue.files.key)} (0600)` : `already reissued as ${v.reissue.serial} (not again): ${e(v.reissue.files.chain)}`) : 'to reissue (--new-dir NEWDIR or --new-store URL, with --reissue)';
    lines.push(`  ${v.serial} ${e(v.sans.join(', '))} (${v.profile}, until ${v.notAfter}): ${re}`);
  }
  lines.push(...renderPins(r.stalePins), ...renderAnchors(r.staleAnchors));
  lines.push(...numbered('Steps for people:', r.humanSteps.map(e)));
  return lines;
}

const command: Command = {
  summary: 'the issuing CA is compromised: revoke it on the root CRL, reissue, pins, sweep the fleet',
  usage: `Usage: certwarden incident ca-compromise --dir CADIR [(--new-dir NEWDIR | --new-store URL) [--reissue] [--new-passphrase-file FILE]]
       [--out DIR] [--invalidity-date ISO-8601] [--targets FILE | --watch-config FILE] [--policy FILE]
       [--until-clean [--interval D] [--timeout D]] [--format text|json]

Revokes the issuing CA certificate of CADIR by its root with reason
cACompromise and signs the root CRL at once (as \`ca revoke --issuing-ca\`), lists
every certificate still valid under it, the policy's pins of retired keys (the
issuing CA's, the root's, and each key being replaced), and sweeps the fleet for
endpoints still chaining to the compromised CA.
The CA cannot put a new issuing CA under the same root (and the root key was
kept with the compromised key): the playbook prints the commands for a new CA
home. Given one, made with \`ca init\` (--new-dir for a CA home, or --new-store
URL for a CA kept wholly in Postgres, made with \`ca init --store URL\`; its
passphrase from --new-passphrase-file, else the same as CADIR's), --reissue
reissues every still-valid certificate there with a new key
(OUT/reissued-SERIAL.*, keys 0600). The compromised CA itself is opened as
the ca commands open it (--dir, --store, $CERTWARDEN_CA_STORE). No output
prints a store URL's password.
Running it again does not revoke or reissue twice. OUT defaults to ./incident-ca-SERIAL.
Exit: as key-compromise (0 done and the fleet clean, 1 endpoints still chain to
the compromised CA, 2 usage or operational error, or an endpoint not reached).

${FLEET_USAGE}

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, ...FLEET_OPTIONS, 'new-dir': { type: 'string' }, 'new-store': { type: 'string' }, 'new-passphrase-file': { type: 'string' }, reissue: { type: 'boolean' }, out: { type: 'string' }, 'invalidity-date': { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const inv = optionalString(args, 'invalidity-date');
    const invalidityDate = inv === undefined ? undefined : new Date(inv);
    if (invalidityDate && Number.isNaN(invalidityDate.getTime())) throw usageError(`--invalidity-date must be an ISO-8601 time (got "${e(inv!)}")`);
    const reissue = args.values.reissue === true;
    const newDir = optionalString(args, 'new-dir');
    const newStore = optionalString(args, 'new-store');
    if (newDir !== undefined && newStore !== undefined) throw usageError('give the new CA once: --new-dir NEWDIR (a CA home) or --new-store URL (a CA kept in Postgres), not both');
    if (newStore !== undefined && !isPostgresUrl(newStore)) throw usageError(`--new-store must be a postgres:// or postgresql:// URL (got "${e(redactUrl(newStore).slice(0, 200))}")`);
    if (reissue && newDir === undefined && newStore === undefined) throw usageError('--reissue needs the new CA: --new-dir NEWDIR or --new-store URL (made with `certwarden ca init`)');
    const policyFile = optionalString(args, 'policy');
    const ca = await openCa(args, io);
    let newCa: CertificateAuthority | undefined;
    let result: CaCompromiseResult;
    let fleet;
    let affected;
    try {
      fleet = await fleetArgs(args, () => [ca.root]);
      if (newDir !== undefined || newStore !== undefined) {
        const newPassFile = optionalString(args, 'new-passphrase-file');
        if (newPassFile === undefined) io.stderr.write('certwarden: warning: the new CA is opened with the compromised CA\'s passphrase; give the new CA its own (--new-passphrase-file)\n');
        const newPass = newPassFile !== undefined ? resolvePassphrase(io.env, newPassFile) : passphrase(args, io);
        try {
          // A new CA in a store is opened without a directory: `ca init --store` keeps everything there. open() closes the store on failure.
          newCa = newStore !== undefined ? await CertificateAuthority.open(undefined, newPass, { store: await PostgresStore.connect(newStore) }) : await CertificateAuthority.open(newDir, newPass);
        } catch (err) {
          throw withPassphraseHint(err);
        }
      }
      result = await runCaCompromise({
        ca,
        passphrase: passphrase(args, io),
        ...(newCa ? { newCa } : {}),
        reissue,
        outDir: optionalString(args, 'out') ?? join('.', `incident-ca-${ca.issuing.certificate.serialHex}`),
        ...(invalidityDate ? { invalidityDate } : {}),
        ...(fleet.fleet ? { policy: fleet.fleet.policy } : policyFile !== undefined ? { policy: loadPolicy(policyFile) } : {}),
      });
      affected = await chainsToCompromisedCa(ca);
    } finally {
      await newCa?.close();
      await ca.close();
    }
    const outcome = await runFleet(fleet, affected, io);
    if (format === 'json') writeJson(io, { playbook: 'ca-compromise', ...result, fleet: fleetJson(outcome) });
    else {
      const lines = renderText(result);
      if (outcome) lines.push(...renderSweep(outcome.sweep, { what: 'chains to the compromised CA', source: outcome.source, rounds: outcome.rounds, clean: outcome.clean, untilClean: fleet.untilClean }));
      else lines.push('Fleet: not swept (give --targets FILE or --watch-config FILE to find endpoints still chaining to the compromised CA).');
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    // Not revoked here (an imported CA: its root is operated elsewhere): the incident is not handled yet, whatever the fleet shows.
    return result.revocation.state === 'manual' ? Math.max(ExitCode.REJECTED, fleetExitCode(outcome, fleet.untilClean)) as ExitCode : fleetExitCode(outcome, fleet.untilClean);
  },
};

export default command;
