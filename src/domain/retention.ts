/** What a retention pass did. */
export interface Pruned {
  deleted: number;
  /** The DELETE statements it took (each deletes at most one batch). */
  statements: number;
}

/** Rows one retention statement deletes at most. */
const RETENTION_BATCH = 5_000;

/**
 * A retention pass in bounded statements: `deleteBatch(limit)` deletes at most `limit` of the
 * oldest rows past retention, found through an index, in a statement of its own (its own short
 * transaction); the pass repeats it until one deletes fewer. A statement names its rows by key as
 * `= ANY (ARRAY(SELECT … LIMIT n))`: with `IN (SELECT …)` PostgreSQL may hash the batch and scan
 * the whole table to find them. So no statement scans the table or
 * holds row locks for the whole backlog (a day's request logs after an outage), and the writes of
 * requests go on between statements.
 */
export async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>, batch = RETENTION_BATCH): Promise<Pruned> {
  const pruned: Pruned = { deleted: 0, statements: 0 };
  for (;;) {
    const deleted = await deleteBatch(batch);
    pruned.deleted += deleted;
    pruned.statements++;
    if (deleted < batch) return pruned;
  }
}
