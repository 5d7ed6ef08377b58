package io.k0rdent.api.verticles.events;

import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.EventOutbox.RelayLock;
import io.k0rdent.api.core.store.OutboxRow;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay: a worker verticle (deploy with {@code ThreadingModel.WORKER}; it never blocks) that publishes
 * the rows of an {@link EventOutbox} to Kafka with vertx-kafka-client, at least once and in order per key.
 *
 * <p><b>One at a time.</b> Every node may run a relay; only the one holding the outbox's lock
 * ({@link EventOutbox#tryLock}: a PostgreSQL advisory lock per schema) publishes. The others try the lock every
 * {@link RelayOptions#pollInterval()}, so when the holder stops or its session dies, one of them takes over.
 *
 * <p><b>A round.</b> The holder checks it still holds the lock, reads the oldest {@link RelayOptions#batchSize()}
 * unpublished rows ({@link EventOutbox#pending}), sends them in {@code seq} order to {@link RelayOptions#topic()}
 * and waits for the broker's acknowledgements; then it marks published ({@link EventOutbox#markPublished}) the
 * longest run of acknowledged rows from the first, never a row after one that failed. Each record follows the
 * CloudEvents Kafka protocol binding in structured content mode (Kafka binding §3.3): key = the row's key (the
 * resource's selfLink, §3.1), value = the event's JSON ({@link CloudEvent#toJson()}), header {@code content-type:
 * application/cloudevents+json; charset=UTF-8} (§3.3.1) and the headers {@code ce_specversion}, {@code ce_id},
 * {@code ce_type}, {@code ce_source} (§3.3.3, named as §3.2.3.1 says).
 *
 * <p><b>Order and delivery.</b> The producer is idempotent ({@code enable.idempotence=true}, {@code acks=all},
 * {@code max.in.flight.requests.per.connection=5}, the most with which Kafka keeps idempotent order), so the broker
 * writes the records of one partition, hence of one key, in the order they were sent, without duplicates from its
 * own retries. A row is marked only after the broker acknowledged it, so a relay that dies between publishing and
 * marking leaves its rows to the next holder, which publishes them again: a duplicate at worst (consumers
 * deduplicate by event {@code id}), never a loss.
 *
 * <p><b>Kafka down.</b> A round whose records are not acknowledged within {@link RelayOptions#deliveryTimeout()}
 * fails; its rows stay unpublished and the relay waits (from {@code pollInterval}, doubling up to
 * {@link RelayOptions#maxBackoff()}) before it reads and sends them again, in order, until the broker takes them.
 * The API does not depend on any of this: rows just accumulate.
 *
 * <p><b>Metric.</b> Gauge {@value #BACKLOG_GAUGE} on the given registry ({@code k0rdent_events_backlog} in the
 * Prometheus format): the number of unpublished rows, read by every relay (holder or not) every
 * {@link RelayOptions#pollInterval()} whatever Kafka does, and lowered at once by what the holder marks.
 */
public final class OutboxRelay extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
  /** The backlog gauge's name (Micrometer's dotted form). */
  public static final String BACKLOG_GAUGE = "k0rdent.events.backlog";
  /** How long {@link #stop} waits for the round in flight before giving the lock up anyway. */
  static final long STOP_WAIT_SECONDS = 3;
  /** The longest a send blocks for metadata or buffer space (producer {@code max.block.ms}). */
  static final long MAX_BLOCK_MS = 2_000;
  /** The {@code content-type} header of every record (Kafka binding §3.3.1). */
  public static final String CONTENT_TYPE = CloudEvent.STRUCTURED_CONTENT_TYPE + "; charset=UTF-8";

  private final EventOutbox outbox;
  private final RelayOptions options;
  private final MeterRegistry registry;
  private final String holder;
  private final AtomicLong backlog = new AtomicLong();
  private volatile Function<List<OutboxRow>, Future<Void>> beforeMark = rows -> Future.succeededFuture();
  private volatile boolean stopped;
  private volatile boolean crashed;
  private volatile RelayLock lock;
  private KafkaProducer<String, String> producer;
  private Gauge gauge;
  private long timer = -1;
  private long refreshTimer = -1;
  private boolean refreshing;
  private long backoffMs;
  private volatile String lastError;
  private long published;
  private Future<Void> round = Future.succeededFuture();

  /**
   * @param outbox   the rows to publish ({@code store.events()})
   * @param options  Kafka, topic and timings; must be enabled
   * @param registry where the backlog gauge goes
   * @param node     this node's name, part of the lock holder's name ({@code <node>/<random>}) shown in logs
   * @throws IllegalArgumentException when {@code options} is not enabled
   */
  public OutboxRelay(EventOutbox outbox, RelayOptions options, MeterRegistry registry, String node) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.options = Objects.requireNonNull(options, "options");
    this.registry = Objects.requireNonNull(registry, "registry");
    if (!options.enabled()) {
      throw new IllegalArgumentException("the outbox relay is disabled (no Kafka bootstrap servers)");
    }
    this.holder = node + "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The lock holder name of this relay. */
  public String holder() {
    return holder;
  }

  /** Why the last round failed (the exception's text), or null when it succeeded or none ran yet. */
  public String lastError() {
    return lastError;
  }

  /** Whether this relay holds the outbox's lock (as of its last round). */
  public boolean leading() {
    return lock != null;
  }

  /** The unpublished rows as of this relay's last round (what the gauge shows). */
  public long backlog() {
    return backlog.get();
  }

  /** Rows this relay sent and marked published since it started (its own, not the cluster's). */
  public synchronized long published() {
    return published;
  }

  /**
   * Test hook: runs after a round's records were acknowledged and before they are marked; the round waits for the
   * returned future (a future that never completes holds the relay there, to stage a crash).
   */
  public void beforeMark(Function<List<OutboxRow>, Future<Void>> hook) {
    this.beforeMark = Objects.requireNonNull(hook, "hook");
  }

  /** The producer's configuration: idempotent, {@code acks=all}, timeouts from the options. */
  Map<String, String> producerConfig() {
    long delivery = options.deliveryTimeout().toMillis();
    Map<String, String> c = new HashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    c.put(ProducerConfig.CLIENT_ID_CONFIG, "k0rdent-outbox-relay-" + holder.replace('/', '-'));
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    c.put(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE));
    c.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(delivery));
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(30_000, delivery)));
    // send() blocks this worker's context while it waits for metadata (a broker down): bounded short, so the round
    // fails soon, and stop() (queued behind it on the same context) is not held up for the delivery timeout
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(Math.min(MAX_BLOCK_MS, delivery)));
    c.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    return c;
  }

  /**
   * Creates the producer (no connection yet: Kafka may be down), registers the gauge and starts the rounds; the
   * first one tries the lock at once.
   */
  @Override
  public Future<?> start() {
    producer = KafkaProducer.create(vertx, producerConfig(), new StringSerializer(), new StringSerializer());
    // every failed send also fails its own future, which the round handles: no second report
    producer.exceptionHandler(e -> LOG.debug("outbox relay {}: send failed: {}", holder, e.toString()));
    gauge = Gauge.builder(BACKLOG_GAUGE, backlog, AtomicLong::get)
        .description("Events in the outbox not yet published to Kafka")
        .strongReference(true)
        .register(registry);
    backoffMs = options.pollInterval().toMillis();
    refreshBacklog();
    refreshTimer = vertx.setPeriodic(options.pollInterval().toMillis(), id -> refreshBacklog());
    schedule(0);
    LOG.info("outbox relay {} started: topic {} at {}", holder, options.topic(), options.bootstrapServers());
    return Future.succeededFuture();
  }

  /**
   * Stops polling, lets the round in flight end (the producer is closed, failing what it still holds, after at most
   * a second), then gives the lock up and removes the gauge. Unmarked rows stay for the next holder.
   */
  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(refreshTimer);
    Future<Void> closed = producer == null ? Future.succeededFuture() : producer.close(1_000).otherwiseEmpty();
    // a crashed relay's round may be held in the test hook forever: do not wait for it; nor, with the broker
    // unreachable, for a send blocked on metadata (up to the delivery timeout): rows it leaves unmarked go out again
    Future<Void> settled = crashed ? Future.succeededFuture()
        : round.timeout(STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
    return closed.compose(v -> settled).compose(v -> releaseLock()).onComplete(v -> {
      if (gauge != null) {
        registry.remove(gauge);
      }
    });
  }

  /**
   * Simulates this node dying (tests): from now on the relay sends, marks and renews nothing, and its lock's session
   * ends as a dead process's would (so another relay takes over at once). A round held in {@link #beforeMark}
   * never marks its rows.
   */
  public Future<Void> crash() {
    crashed = true;
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(refreshTimer);
    return releaseLock();
  }

  private Future<Void> releaseLock() {
    RelayLock l = lock;
    lock = null;
    return l == null ? Future.succeededFuture() : l.release();
  }

  /** Reads the backlog into the gauge, unless a read is still under way (a slow database). */
  private void refreshBacklog() {
    if (refreshing || stopped) {
      return;
    }
    refreshing = true;
    outbox.backlog().onComplete(ar -> {
      refreshing = false;
      if (ar.succeeded()) {
        backlog.set(ar.result());
      }
    });
  }

  private void schedule(long delayMs) {
    if (!stopped) {
      timer = vertx.setTimer(Math.max(1, delayMs), id -> {
        round = runRound().map(next -> {
          schedule(next);
          return null;
        });
      });
    }
  }

  /** One round; answers the delay until the next. Never fails. */
  private Future<Long> runRound() {
    long poll = options.pollInterval().toMillis();
    return holdLock()
        .compose(held -> held ? publishBatch() : Future.succeededFuture(poll))
        .map(next -> {
          backoffMs = poll;
          lastError = null;
          return next;
        })
        .recover(e -> {
          lastError = e.toString();
          long wait = backoffMs;
          backoffMs = Math.min(options.maxBackoff().toMillis(), backoffMs * 2);
          if (!stopped) {
            LOG.warn("outbox relay {}: round failed, next try in {} ms: {}", holder, wait, e.toString());
          }
          return Future.succeededFuture(wait);
        });
  }

  /** Whether this relay holds the lock now (taking it when free). */
  private Future<Boolean> holdLock() {
    if (stopped) {
      return Future.succeededFuture(false);
    }
    RelayLock held = lock;
    if (held != null) {
      return held.check().map(ok -> {
        if (!ok && lock == held) {
          lock = null;
        }
        return ok && !stopped;
      });
    }
    return outbox.tryLock(holder).map(l -> {
      if (l == null) {
        return false;
      }
      if (stopped) {
        l.release();
        return false;
      }
      lock = l;
      return true;
    });
  }

  /** Publishes the oldest pending rows; answers the delay until the next round (0 after a full batch). */
  private Future<Long> publishBatch() {
    return outbox.pending(options.batchSize()).compose(rows -> {
      if (rows.isEmpty() || stopped) {
        return Future.succeededFuture(options.pollInterval().toMillis());
      }
      List<Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
      for (OutboxRow row : rows) {
        acks.add(producer.send(record(row)));
      }
      return Future.join(acks).transform(done -> {
        int ok = 0;
        while (ok < acks.size() && acks.get(ok).succeeded()) {
          ok++;
        }
        List<OutboxRow> acked = rows.subList(0, ok);
        Throwable failure = ok < acks.size() ? acks.get(ok).cause() : null;
        Future<Void> hook = acked.isEmpty() ? Future.succeededFuture() : beforeMark.apply(List.copyOf(acked));
        return hook
            .compose(v -> crashed ? Future.failedFuture(new IllegalStateException("crashed (test)"))
                : outbox.markPublished(acked.stream().map(OutboxRow::seq).toList()))
            .compose(v -> {
              synchronized (this) {
                published += acked.size();
              }
              backlog.updateAndGet(n -> Math.max(0, n - acked.size()));
              if (failure != null) {
                return Future.failedFuture(new IllegalStateException("Kafka did not acknowledge the row with seq "
                    + rows.get(acked.size()).seq() + " (the " + acked.size() + " of " + rows.size()
                    + " sent before it were, and are marked): " + failure, failure));
              }
              return Future.succeededFuture(rows.size() == options.batchSize() ? 0L
                  : options.pollInterval().toMillis());
            });
      });
    });
  }

  /** The structured-mode record of a row (Kafka binding §3.3). */
  static KafkaProducerRecord<String, String> record(String topic, OutboxRow row) {
    CloudEvent e = row.event();
    return KafkaProducerRecord.<String, String>create(topic, row.key(), e.toJson().encode())
        .addHeader("content-type", CONTENT_TYPE)
        .addHeader("ce_specversion", CloudEvent.SPEC_VERSION)
        .addHeader("ce_id", e.id())
        .addHeader("ce_type", e.type())
        .addHeader("ce_source", e.source());
  }

  private KafkaProducerRecord<String, String> record(OutboxRow row) {
    return record(options.topic(), row);
  }
}
