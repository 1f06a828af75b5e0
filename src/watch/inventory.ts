/**
 * The CA inventories a watch compares served certificates with: what each
 * `certwarden ca` home issued and revoked, indexed by the SHA-256 of the
 * certificate's DER. This is the ONE module of the watch that uses the CA,
 * and only through its public methods (CertificateAuthority.openStore, then
 * list / changeSeq / changedSince); every call is awaited, so an
 * asynchronous store changes nothing here but the types.
 *
 * Opening needs no passphrase: reading the inventory is not a use of a CA key.
 */
import { createHash } from 'node:crypto';
import { CertificateAuthority } from '../ca/ca.ts';
import type { CaStore, IssuedRecord } from '../ca/store.ts';
import type { InventoryEntry, InventoryView } from './detect.ts';

function entryOf(r: IssuedRecord): InventoryEntry {
  return { serial: r.serial, ...(r.revokedAt ? { revokedAt: r.revokedAt.toISOString(), reason: r.reason ?? 'unspecified' } : {}) };
}

export class CaInventory implements InventoryView {
  readonly #homes: Array<{ dir: string; store: CaStore; seq: number }> = [];
  readonly #bySha256 = new Map<string, InventoryEntry>();

  private constructor() {}

  /** Open each CA home's store and load its inventory. Throws the CA's typed error for a folder that is not a CA home. */
  static async open(dirs: readonly string[]): Promise<CaInventory> {
    const inv = new CaInventory();
    try {
      for (const dir of dirs) {
        const store = await CertificateAuthority.openStore(dir);
        const home = { dir, store, seq: 0 };
        inv.#homes.push(home);
        home.seq = await store.changeSeq();
        for (const r of await store.list()) inv.#add(r);
      }
    } catch (err) {
      await inv.close();
      throw err;
    }
    return inv;
  }

  #add(r: IssuedRecord): void {
    this.#bySha256.set(createHash('sha256').update(r.der).digest('hex'), entryOf(r));
  }

  /** Take in what the CAs issued or revoked since the last refresh (a WAL read: cheap enough before every scan). */
  async refresh(): Promise<void> {
    for (const home of this.#homes) {
      const seq = await home.store.changeSeq();
      if (seq === home.seq) continue;
      for (const r of await home.store.changedSince(home.seq)) this.#add(r);
      home.seq = seq;
    }
  }

  lookup(sha256: string): InventoryEntry | undefined {
    return this.#bySha256.get(sha256);
  }

  get size(): number {
    return this.#bySha256.size;
  }

  async close(): Promise<void> {
    for (const home of this.#homes.splice(0)) await home.store.close();
  }
}
