/**
 * Child process for the shared-CRL test: takes the Postgres store's CRL
 * signing lock (the scope's counter row, allocating the next cRLNumber) and
 * stops in the middle of signing, printing SIGNING, so the test can SIGKILL a
 * signer mid-cycle and show that nothing it held survives it.
 */
import { PostgresStore } from '../../src/ca/postgres-store.ts';

const [url] = process.argv.slice(2) as [string];
const store = await PostgresStore.connect(url);
await store.sharedCrls.publish(
  'issuing',
  () => true,
  () => {
    process.stdout.write('SIGNING\n');
    return new Promise(() => {}); // never signs: killed here
  },
);
