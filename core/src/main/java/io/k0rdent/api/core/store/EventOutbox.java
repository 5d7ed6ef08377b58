package io.k0rdent.api.core.store;

import io.k0rdent.api.core.event.CloudEvent;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * The transactional outbox of change events (docs/ARCHITECTURE.md §5): every successful mutation appends one
 * {@link CloudEvent} in the same transaction as the change, and one relay per cluster publishes the rows to Kafka in
 * {@link OutboxRow#seq} order and then marks them published (at least once; consumers deduplicate by event id).
 *
 * <p><b>Order.</b> {@code seq} follows append order per store; rows become visible to {@link #pending} when their
 * transaction commits, so rows of different resources may show up out of {@code seq} order (a later seq committed
 * first). Rows of one resource keep their order as long as the mutations of one resource are serialized, which is
 * what Kafka's per-key order needs: a mutation must append its event after the statement that locks the resource's
 * row (its insert, update or delete), in the same transaction, so that the next mutation of that resource can only
 * take a seq once this one has committed.
 *
 * <p><b>Audit log.</b> Published rows are kept: {@link #audit} reads the outbox newest first, per organization or
 * platform-wide, and {@link #purge} deletes what is older than the retention.
 *
 * <p><b>One relay at a time.</b> {@link #tryLock} hands out an exclusive lock per outbox (per PostgreSQL schema,
 * cluster-wide; per store instance in memory) that the relay holds while it publishes.
 *
 * <p>Failures are {@link io.k0rdent.api.core.error.ApiException}s (503 when the database cannot be reached) or
 * {@link IllegalArgumentException}s for arguments outside their documented range.
 */
public interface EventOutbox {

  /** The largest {@code limit} {@link #pending} accepts. */
  int MAX_BATCH = 10_000;

  /**
   * Appends an unpublished event of the provider's own (no organization: only platform-wide audit readers see it).
   * The stores' mutations append inside their own transaction (or, in memory, under the store's lock) instead; this
   * call is its own transaction.
   *
   * @param event the event; its {@code id} must be a UUID (the outbox's unique key)
   * @param key   the Kafka record key, the resource's selfLink; non-empty
   * @return fails 409 {@code ALREADY_EXISTS} when an event with this id is stored, IllegalArgumentException when
   *     the id is not a UUID or the key is empty
   */
  default Future<Void> append(CloudEvent event, String key) {
    return append(event, key, null);
  }

  /**
   * {@link #append(CloudEvent, String)} of an event owned by an organization: the audit log shows it to that
   * organization's readers ({@link AuditQuery.Reach#organization}) and to platform-wide readers. Mutations of the
   * stores record their owner this way, in their own transaction.
   *
   * @param organizationId the organization whose change it is; null for the provider's own (only platform-wide
   *                       readers see those)
   * @return as {@link #append(CloudEvent, String)}
   */
  Future<Void> append(CloudEvent event, String key, String organizationId);

  /**
   * The oldest unpublished rows, by ascending {@code seq}.
   *
   * @param limit rows at most, 1..{@value #MAX_BATCH}
   * @return at most {@code limit} rows; empty when nothing is pending; IllegalArgumentException for a limit out of
   *     range
   */
  Future<List<OutboxRow>> pending(int limit);

  /**
   * Marks rows published (after the broker acknowledged them). Idempotent: seqs already published or unknown are
   * skipped.
   *
   * @param seqs the rows' {@code seq}s, any order; empty does nothing
   */
  Future<Void> markPublished(List<Long> seqs);

  /** The number of unpublished rows (the relay's backlog), at least 0. */
  Future<Long> backlog();

  /**
   * The audit log: the rows {@code query} selects, newest first ({@code seq} descending), published or not.
   * Keyset pages ({@link AuditQuery#before}) never repeat a row and never skip one that was committed before the
   * walk began; a row whose transaction commits after a page passed its {@code seq} shows only in a later walk.
   *
   * @return at most {@code query.limit()} entries and whether more match; fails 503 when the database cannot be
   *     reached
   */
  Future<AuditPage> audit(AuditQuery query);

  /**
   * Retention: deletes the rows whose event {@code time} is before {@code olderThan}. Rows without a time are kept.
   * Unpublished rows are kept too unless {@code includeUnpublished} (a deployment without a relay: nothing would
   * ever publish them). Safe to run on several nodes at once; PostgreSQL deletes in batches so no statement holds
   * many row locks for long.
   *
   * @param olderThan          the cut-off, exclusive
   * @param includeUnpublished whether unpublished rows go too
   * @return the number of rows deleted, at least 0; fails 503 when the database cannot be reached
   */
  Future<Long> purge(Instant olderThan, boolean includeUnpublished);

  /**
   * Tries to become the outbox's one relay.
   *
   * @param holder a name for logs (node and instance), non-empty
   * @return the lock, or null when another holder has it; fails 503 when the database cannot be reached
   */
  Future<RelayLock> tryLock(String holder);

  /** The exclusive right to publish an outbox's rows, from {@link #tryLock} until {@link #release}. */
  interface RelayLock {

    /** The name given to {@link #tryLock}. */
    String holder();

    /**
     * Whether the lock is still held: false once released, or when its backing session was lost (PostgreSQL: the
     * dedicated connection closed, so the server dropped the lock). Never fails.
     */
    Future<Boolean> check();

    /** Gives the lock up; idempotent, never fails. */
    Future<Void> release();
  }
}
