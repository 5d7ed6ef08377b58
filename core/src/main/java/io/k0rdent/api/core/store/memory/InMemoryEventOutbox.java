package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.AuditPage;
import io.k0rdent.api.core.store.AuditQuery;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.OutboxRow;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link EventOutbox} of the in-memory store: rows in a map by {@code seq} (1, 2, 3, ... in append order, no
 * gaps) under the store's lock, so that a mutation holding that lock can append its event in the same critical
 * section ({@link #appendLocked}). Published rows are kept for the audit log ({@link #audit}) until {@link #purge}
 * removes them; gone at exit. The relay lock is exclusive per instance.
 */
public final class InMemoryEventOutbox implements EventOutbox {

  private final Object lock;
  private final TreeMap<Long, Row> rows = new TreeMap<>();
  /** The unpublished subset of {@link #rows}, so that a poll never walks the published history. */
  private final TreeMap<Long, OutboxRow> unpublished = new TreeMap<>();
  private final Set<String> ids = new HashSet<>();
  private final AtomicReference<Lock> relay = new AtomicReference<>();
  private long lastSeq;

  /** A stored row: the outbox row, the organization whose change it is (null: the provider's), published or not. */
  private record Row(OutboxRow row, String organizationId, boolean published) {}

  /** An outbox with its own lock. */
  public InMemoryEventOutbox() {
    this(new Object());
  }

  /**
   * @param lock the monitor guarding the rows; the in-memory store passes its own so its mutations can append
   *             under it
   */
  public InMemoryEventOutbox(Object lock) {
    this.lock = Objects.requireNonNull(lock, "lock");
  }

  /** See {@link EventOutbox#append}; its own critical section under the store's lock ({@link #appendLocked}). */
  @Override
  public Future<Void> append(CloudEvent event, String key, String organizationId) {
    try {
      appendLocked(event, key, organizationId);
      return Future.succeededFuture();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Appends synchronously; for callers that already hold the store's lock (a reentrant monitor, so any thread may
   * call it).
   *
   * @return the new row's seq
   * @throws ApiException            409 {@code ALREADY_EXISTS} when an event with this id is stored
   * @throws IllegalArgumentException when the id is not a UUID or the key is empty
   */
  public long appendLocked(CloudEvent event, String key) {
    return appendLocked(event, key, null);
  }

  /**
   * {@link #appendLocked(CloudEvent, String)} of a mutation's event, recording whose change it is for the audit log.
   *
   * @param organizationId the organization whose change it is; null for the provider's own
   */
  public long appendLocked(CloudEvent event, String key, String organizationId) {
    Objects.requireNonNull(event, "event");
    String id = canonicalId(event.id());
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("an outbox row's key must be non-empty");
    }
    synchronized (lock) {
      if (!ids.add(id)) {
        throw ApiException.conflict("ALREADY_EXISTS", "event '" + event.id() + "' already exists");
      }
      long seq = ++lastSeq;
      OutboxRow row = new OutboxRow(seq, key, event);
      rows.put(seq, new Row(row, organizationId, false));
      unpublished.put(seq, row);
      return seq;
    }
  }

  /**
   * Hands every row of organization {@code organizationId} to the provider (organization null), as the
   * organization's deletion does so that a new organization with the same id never reads them; caller holds the
   * store's lock.
   */
  public void retireOrganizationLocked(String organizationId) {
    synchronized (lock) {
      rows.replaceAll((seq, r) -> organizationId.equals(r.organizationId())
          ? new Row(r.row(), null, r.published()) : r);
    }
  }

  /** The UUID form of an event id, as PostgreSQL's {@code uuid} column compares them. */
  static String canonicalId(String id) {
    try {
      return UUID.fromString(id).toString();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("an outbox event's id must be a UUID: '" + id + "'");
    }
  }

  /** See {@link EventOutbox#pending}; a snapshot under the lock. */
  @Override
  public Future<List<OutboxRow>> pending(int limit) {
    if (limit < 1 || limit > MAX_BATCH) {
      return Future.failedFuture(new IllegalArgumentException("limit must be 1.." + MAX_BATCH + ": " + limit));
    }
    List<OutboxRow> out = new ArrayList<>();
    synchronized (lock) {
      for (OutboxRow r : unpublished.values()) {
        out.add(r);
        if (out.size() == limit) {
          break;
        }
      }
    }
    return Future.succeededFuture(out);
  }

  /** See {@link EventOutbox#markPublished}; the rows stay, flagged published. */
  @Override
  public Future<Void> markPublished(List<Long> seqs) {
    synchronized (lock) {
      for (Long seq : seqs) {
        Row r = rows.get(seq);
        if (r != null && !r.published()) {
          rows.put(seq, new Row(r.row(), r.organizationId(), true));
          unpublished.remove(seq);
        }
      }
    }
    return Future.succeededFuture();
  }

  /**
   * See {@link EventOutbox#audit}: walks the rows from the newest (or from just below the cursor) down, under the
   * lock, until the page is full and one more match is found. The filters compare exactly what PostgreSQL's columns
   * hold: the event's {@code time}, {@code actorid}, {@code subject} (a plain prefix) and {@code type}.
   */
  @Override
  public Future<AuditPage> audit(AuditQuery q) {
    List<AuditPage.Entry> out = new ArrayList<>();
    boolean more = false;
    String org = q.organizationId();
    synchronized (lock) {
      Map<Long, Row> newestFirst = (q.beforeSeq() == null ? rows : rows.headMap(q.beforeSeq(), false))
          .descendingMap();
      for (Row r : newestFirst.values()) {
        if (!matches(q, org, r)) {
          continue;
        }
        if (out.size() == q.limit()) {
          more = true;
          break;
        }
        out.add(new AuditPage.Entry(r.row().seq(), r.organizationId(), r.row().event()));
      }
    }
    return Future.succeededFuture(new AuditPage(out, more));
  }

  private static boolean matches(AuditQuery q, String org, Row r) {
    CloudEvent e = r.row().event();
    if (org != null && !org.equals(r.organizationId())) {
      return false; // an organization's reach never shows another's rows, nor the provider's (null) ones
    }
    if ((q.startTime() != null || q.endTime() != null) && e.time() == null) {
      return false;
    }
    if (q.startTime() != null && e.time().isBefore(q.startTime())) {
      return false;
    }
    if (q.endTime() != null && !e.time().isBefore(q.endTime())) {
      return false;
    }
    if (q.actor() != null && !q.actor().equals(e.actorId())) {
      return false;
    }
    if (q.type() != null && !q.type().equals(e.type())) {
      return false;
    }
    return q.subjectPrefix() == null || (e.subject() != null && e.subject().startsWith(q.subjectPrefix()));
  }

  /** See {@link EventOutbox#purge}: one pass over the rows under the lock. */
  @Override
  public Future<Long> purge(Instant olderThan, boolean includeUnpublished) {
    Objects.requireNonNull(olderThan, "olderThan");
    long n = 0;
    synchronized (lock) {
      for (Iterator<Row> it = rows.values().iterator(); it.hasNext(); ) {
        Row r = it.next();
        Instant t = r.row().event().time();
        if (t != null && t.isBefore(olderThan) && (r.published() || includeUnpublished)) {
          it.remove();
          unpublished.remove(r.row().seq());
          ids.remove(canonicalId(r.row().event().id())); // as PostgreSQL's unique index forgets a deleted row
          n++;
        }
      }
    }
    return Future.succeededFuture(n);
  }

  /** See {@link EventOutbox#backlog}; the size of the unpublished index, so O(1). */
  @Override
  public Future<Long> backlog() {
    synchronized (lock) {
      return Future.succeededFuture((long) unpublished.size());
    }
  }

  /** Grants the lock when no one holds it. */
  @Override
  public Future<RelayLock> tryLock(String holder) {
    if (holder == null || holder.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("holder must be non-empty"));
    }
    Lock l = new Lock(holder);
    return Future.succeededFuture(relay.compareAndSet(null, l) ? l : null);
  }

  private final class Lock implements RelayLock {
    private final String holder;

    Lock(String holder) {
      this.holder = holder;
    }

    /** The holder's name, as given to {@link InMemoryEventOutbox#tryLock}. */
    @Override
    public String holder() {
      return holder;
    }

    /** True until released. */
    @Override
    public Future<Boolean> check() {
      return Future.succeededFuture(relay.get() == this);
    }

    /** Frees the lock for the next {@link InMemoryEventOutbox#tryLock}. */
    @Override
    public Future<Void> release() {
      relay.compareAndSet(this, null);
      return Future.succeededFuture();
    }
  }
}
