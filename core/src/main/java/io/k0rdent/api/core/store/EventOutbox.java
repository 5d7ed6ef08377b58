package io.k0rdent.api.core.store;

import io.k0rdent.api.core.event.CloudEvent;
import io.vertx.core.Future;
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
   * Appends an unpublished event. The later wiring of the stores appends inside each mutation's own transaction
   * (or, in memory, under the store's lock) instead; this call is its own transaction.
   *
   * @param event the event; its {@code id} must be a UUID (the outbox's unique key)
   * @param key   the Kafka record key, the resource's selfLink; non-empty
   * @return fails 409 {@code ALREADY_EXISTS} when an event with this id is stored, IllegalArgumentException when
   *     the id is not a UUID or the key is empty
   */
  Future<Void> append(CloudEvent event, String key);

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
