/**
 * docs/limits.md lists every hostile-input limit with its value: each row
 * must name an exported constant whose value is the one shown, so the table
 * cannot drift from the code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/shared.ts';
import * as probe from '../../src/scan/tls12-probe.ts';
import * as options from '../../src/scan/options.ts';
import * as staple from '../../src/scan/staple-retry.ts';
import * as gate from '../../src/scan/fetch-gate.ts';
import * as ocsp from '../../src/ocsp/fetch.ts';
import * as crl from '../../src/crl/cache.ts';
import * as http from '../../src/net/http-fetch.ts';
import * as target from '../../src/scan/target.ts';
import * as starttls from '../../src/scan/starttls/io.ts';
import * as caches from '../../src/scan/caches.ts';
import * as bounded from '../../src/util/bounded-read.ts';
import * as policyFiles from '../../src/policy/read-files.ts';
import * as cliArgs from '../../src/cli/args.ts';
import * as statusOutput from '../../src/cli/commands/status-output.ts';
import * as caKeys from '../../src/ca/keys.ts';
import * as caPassphrase from '../../src/cli/commands/ca-passphrase.ts';
import * as caProfiles from '../../src/ca/profiles.ts';
import * as caServer from '../../src/ca/server.ts';
import * as caCrl from '../../src/ca/crl-publisher.ts';
import * as caPostgres from '../../src/ca/postgres-store.ts';
import * as auditModel from '../../src/audit/config/model.ts';
import * as auditLoad from '../../src/audit/load.ts';
import * as auditTrust from '../../src/audit/trust-store.ts';
import * as probeRunner from '../../src/probe/runner.ts';
import * as probeProxy from '../../src/probe/connect-proxy.ts';
import * as watchConfig from '../../src/watch/config.ts';
import * as watchAlerts from '../../src/watch/alerts.ts';
import * as watchStore from '../../src/watch/store.ts';
import * as watchEmail from '../../src/watch/email.ts';
import * as watchGroupCommit from '../../src/watch/group-commit.ts';
import * as watchSilences from '../../src/watch/silences.ts';
import * as watchSilenceCli from '../../src/cli/commands/watch-silence.ts';
import * as watchDashboard from '../../src/watch/dashboard/api.ts';
import * as incidentFleet from '../../src/incident/fleet.ts';
import * as incidentFacts from '../../src/incident/certificate-facts.ts';
import * as limboFile from '../../src/probe/limbo-file.ts';
import * as limboPlan from '../../src/probe/limbo-plan.ts';
import * as limboServer from '../../src/probe/limbo-server.ts';
import * as watchJobs from '../../src/watch/jobs.ts';
import * as watchDispatch from '../../src/watch/dispatch.ts';
import * as watchPostgres from '../../src/watch/postgres-store.ts';

const EXPORTS: Record<string, unknown> = {
  ...probe, ...options, ...staple, ...gate, ...ocsp, ...crl, ...http, ...target, ...starttls, ...caches,
  ...bounded, ...policyFiles, ...cliArgs, ...statusOutput, ...caKeys, ...caPassphrase, ...caProfiles, ...caServer, ...caCrl, ...caPostgres,
  ...auditModel, ...auditLoad, ...auditTrust, ...probeRunner, ...probeProxy,
  ...watchConfig, ...watchAlerts, ...watchStore, ...watchEmail, ...watchGroupCommit, ...watchSilences, ...watchSilenceCli, ...watchDashboard,
  ...incidentFleet, ...incidentFacts, ...limboFile, ...limboPlan, ...limboServer,
  ...watchJobs, ...watchDispatch, ...watchPostgres,
};

test('every constant in docs/limits.md exists with the documented value', () => {
  const text = readFileSync(join(projectRoot, 'docs', 'limits.md'), 'utf8');
  const rows = [...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (\d+)/gm)];
  assert.ok(rows.length >= 20, `${rows.length} rows`);
  for (const [, name, value] of rows) {
    assert.ok(name! in EXPORTS, `${name} is not exported`);
    assert.equal(EXPORTS[name!], Number(value), name);
  }
});
