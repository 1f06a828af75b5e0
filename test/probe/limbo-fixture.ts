/**
 * Limbo-shaped files for the limbo tests: a raw testcase builder (for the
 * reader's malformed-file tests) and a tiny suite minted at test time with
 * the project's builders, so the over-the-wire path runs without
 * ../shared. Names: `localhost` and 127.0.0.1 reach the farm directly;
 * `*.limbo.test` (RFC 2606 reserved, never resolved: the probe routes it to
 * 127.0.0.1 itself) needs the client's route ({addr} or --proxy).
 */
import { generateKeyPair } from '../../src/x509/sign.ts';
import { keyPem, makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

/** A minimal valid testcase (the fields limbo's schema requires), raw JSON. */
export function limboTestcase(o: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'fixture::good',
    conflicts_with: [],
    features: [],
    importance: 'undetermined',
    description: 'A good chain.',
    validation_kind: 'SERVER',
    trusted_certs: ['-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    untrusted_intermediates: [],
    peer_certificate: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    peer_certificate_key: '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n',
    validation_time: null,
    signature_algorithms: [],
    key_usage: [],
    extended_key_usage: [],
    expected_result: 'SUCCESS',
    expected_peer_name: { kind: 'DNS', value: 'localhost' },
    expected_peer_names: [],
    max_chain_depth: null,
    ...o,
  };
}

export const ROUTED_HOST = 'service.limbo.test';

/** The minted suite: every vector's id, and the verdict a plain OpenSSL-based client (curl) gives it. */
export function mintLimboFixture(): { doc: { version: 1; testcases: Record<string, unknown>[] } } {
  const DAY = 86_400_000;
  const root = makeRoot('CN=limbo fixture root');
  const inter = makeIntermediate(root, 'CN=limbo fixture intermediate');
  const trusted = [root.certificate.toPem()];
  const intermediates = [inter.certificate.toPem()];
  const vector = (id: string, leaf: ReturnType<typeof makeLeaf>, o: Record<string, unknown> = {}): Record<string, unknown> =>
    limboTestcase({ id, description: `fixture vector ${id}`, trusted_certs: trusted, untrusted_intermediates: intermediates, peer_certificate: leaf.certificate.toPem(), peer_certificate_key: keyPem(leaf.privateKey), ...o });
  const good = makeLeaf(inter, 'localhost');
  const routed = makeLeaf(inter, ROUTED_HOST);
  const expired = makeLeaf(inter, 'localhost', { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - 2 * DAY) });
  const other = makeLeaf(inter, 'other.limbo.test', { san: ['DNS:other.limbo.test'] });
  const caLeaf = makeLeaf(inter, 'localhost', { ca: true, keyUsage: ['digitalSignature', 'keyCertSign'] });
  const orphan = makeLeaf(inter, 'localhost');
  const testcases = [
    vector('fixture::good-direct', good),
    vector('fixture::good-routed', routed, { expected_peer_name: { kind: 'DNS', value: ROUTED_HOST } }),
    vector('fixture::good-ip', good, { expected_peer_name: { kind: 'IP', value: '127.0.0.1' } }),
    vector('fixture::expired-leaf', expired, { expected_result: 'FAILURE' }),
    vector('fixture::wrong-name', other, { expected_result: 'FAILURE', expected_peer_name: { kind: 'DNS', value: ROUTED_HOST } }),
    vector('fixture::ca-as-leaf', caLeaf, { expected_result: 'FAILURE', importance: 'high' }),
    vector('fixture::missing-intermediate', orphan, { expected_result: 'FAILURE', untrusted_intermediates: [] }),
    vector('fixture::no-leaf-key', good, { peer_certificate_key: null }),
    vector('fixture::client-kind', good, { validation_kind: 'CLIENT', extended_key_usage: ['clientAuth'] }),
    vector('fixture::wrong-key', good, { peer_certificate_key: keyPem(generateKeyPair({ type: 'ec', curve: 'P-256' }).privateKey) }),
  ];
  return { doc: { version: 1, testcases } };
}
