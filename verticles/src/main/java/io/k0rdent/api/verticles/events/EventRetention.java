package io.k0rdent.api.verticles.events;

import io.k0rdent.api.core.store.EventOutbox;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's retention (configuration {@code events.retentionDays}): a worker verticle (deploy with
 * {@code ThreadingModel.WORKER}, so that even the in-memory store's purge, a walk under its lock, never runs on an
 * event loop) that deletes the outbox rows older than the retention ({@link EventOutbox#purge}) once at start and
 * then every {@code interval}, logging how many went.
 *
 * <p>Every node runs one: purges on several nodes at once only share the work (each deletes what is still there).
 * Only published rows are deleted when this node runs the Kafka relay; without one ({@code events.kafkaBootstrapServers}
 * unset on this node) nothing here would ever publish the rows, so old unpublished rows go too.
 *
 * <p>A purge still running when the next is due is not doubled: that tick is skipped. A failed purge (the database
 * down) is logged and tried again at the next tick.
 */
public final class EventRetention extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventRetention.class);

  private final EventOutbox outbox;
  private final Duration retention;
  private final Duration interval;
  private final boolean includeUnpublished;
  private long timer = -1;
  private boolean running;
  private volatile long purged;
  private volatile long runs;

  /**
   * @param outbox             the rows ({@code store.events()})
   * @param retention          how long rows are kept, measured on their event {@code time}; positive
   * @param interval           between two purges; positive
   * @param includeUnpublished whether old unpublished rows go too (no relay on this node)
   * @throws IllegalArgumentException when {@code retention} or {@code interval} is not positive
   */
  public EventRetention(EventOutbox outbox, Duration retention, Duration interval, boolean includeUnpublished) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.retention = Objects.requireNonNull(retention, "retention");
    this.interval = Objects.requireNonNull(interval, "interval");
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive: " + retention);
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    this.includeUnpublished = includeUnpublished;
  }

  /** Rows this verticle deleted since it started (its own, not the cluster's). */
  public long purged() {
    return purged;
  }

  /** Purges this verticle completed (successful or not) since it started. */
  public long runs() {
    return runs;
  }

  /** Purges once now, then every {@code interval}. */
  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(1, Math.max(1, interval.toMillis()), id -> purgeOnce());
    LOG.info("event retention: rows older than {} days{} are deleted every {} s", retention.toDays(),
        includeUnpublished ? "" : " (published ones only)", interval.toSeconds());
    return Future.succeededFuture();
  }

  /** Stops the timer; a purge under way ends on its own. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void purgeOnce() {
    if (running) {
      return;
    }
    running = true;
    Instant cutoff = Instant.now().minus(retention);
    Future<Long> done;
    try {
      done = outbox.purge(cutoff, includeUnpublished);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onComplete(ar -> {
      running = false;
      runs++;
      if (ar.succeeded()) {
        purged += ar.result();
        if (ar.result() > 0) {
          LOG.info("event retention: deleted {} events older than {}", ar.result(), cutoff);
        } else {
          LOG.debug("event retention: nothing older than {}", cutoff);
        }
      } else {
        LOG.warn("event retention: purge failed, next try in {} s: {}", interval.toSeconds(), ar.cause().toString());
      }
    });
  }
}
