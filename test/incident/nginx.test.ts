/**
 * The key-compromise playbook's deploy steps, done as printed, on a real
 * nginx: it serves the compromised certificate (reported), the replacement
 * files are put where ssl_certificate / ssl_certificate_key point, nginx is
 * reloaded (`nginx -s reload`), and --until-clean ends clean.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/pki.ts';
import { startNginx } from '../helpers/servers/nginx.ts';
import type { RunningServer } from '../helpers/servers/process.ts';
import { initCa, writeTargets, type CaHome } from './helpers.ts';

const NGINX = '/usr/sbin/nginx';
const skip = existsSync(NGINX) ? false : 'nginx is not installed';

describe('incident key-compromise on nginx', { skip }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let ca: CaHome;
  let nginx: RunningServer;
  let web: Awaited<ReturnType<CaHome['issue']>>;
  before(async () => {
    tmp = tempDir('certwarden-incident-nginx-');
    ca = await initCa(join(tmp.dir, 'ca'));
    web = await ca.issue('web', ['DNS:web.test', 'IP:127.0.0.1']);
    nginx = await startNginx({ certChain: web.chain, key: web.key, stapling: false });
  });
  after(async () => {
    await nginx?.stop();
    tmp?.cleanup();
  });

  test('served old certificate reported; replacement deployed as the steps say and nginx reloaded; the sweep ends clean', async () => {
    const fleet = writeTargets(join(tmp.dir, 'fleet.txt'), [`127.0.0.1:${nginx.port}`]);
    const out = join(tmp.dir, 'incident');
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', fleet, '--out', out, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as { replacement: { files: { chain: string; key: string } }; deploySteps: string[]; fleet: { affected: number } };
    assert.equal(j.fleet.affected, 1);
    assert.ok(j.deploySteps.some((s) => s.includes('nginx -t && nginx -s reload')));
    copyFileSync(j.replacement.files.chain, join(nginx.dir, 'chain.pem'));
    copyFileSync(j.replacement.files.key, join(nginx.dir, 'key.pem'));
    const conf = ['-p', nginx.dir, '-c', join(nginx.dir, 'nginx.conf'), '-g', 'user root;', '-e', join(nginx.dir, 'error.log')];
    execFileSync(NGINX, [...conf, '-t'], { stdio: 'pipe' });
    execFileSync(NGINX, [...conf, '-s', 'reload'], { stdio: 'pipe' });
    const clean = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', fleet, '--out', out, '--until-clean', '--interval', '1s', '--timeout', '30s']);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.match(clean.stdout, /No endpoint serves the compromised certificate/);
  });
});
