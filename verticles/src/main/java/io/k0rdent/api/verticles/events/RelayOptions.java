package io.k0rdent.api.verticles.events;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link OutboxRelay} publishes the event outbox to Kafka.
 *
 * @param enabled          whether a relay runs at all; {@link #of(String)} turns it on exactly when bootstrap
 *                         servers are given
 * @param bootstrapServers Kafka's {@code bootstrap.servers} ({@code host:port[,host:port...]}); non-blank when
 *                         enabled
 * @param topic            the topic every event goes to (default {@value #DEFAULT_TOPIC}); non-blank
 * @param pollInterval     how often the relay looks for unpublished rows when it found none (and how often a
 *                         standby relay tries the lock); positive. A full batch is followed by the next at once.
 * @param batchSize        rows read and sent per round, 1..{@link io.k0rdent.api.core.store.EventOutbox#MAX_BATCH}
 * @param deliveryTimeout  how long the producer keeps trying to deliver a record before the round fails and the
 *                         relay backs off (Kafka's {@code delivery.timeout.ms}; also bounds {@code max.block.ms}
 *                         and {@code request.timeout.ms}); at least 1 s
 * @param maxBackoff       the longest wait between failed rounds (the wait doubles from {@code pollInterval}); at
 *                         least {@code pollInterval}
 */
public record RelayOptions(boolean enabled, String bootstrapServers, String topic, Duration pollInterval,
                           int batchSize, Duration deliveryTimeout, Duration maxBackoff) {

  /** The default topic. */
  public static final String DEFAULT_TOPIC = "k0rdent.events";
  /** The default {@code pollInterval}. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
  /** The default {@code batchSize}. */
  public static final int DEFAULT_BATCH_SIZE = 256;
  /** The default {@code deliveryTimeout}. */
  public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
  /** The default {@code maxBackoff}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  /** @throws IllegalArgumentException when a value is outside the range documented above */
  public RelayOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (enabled && (bootstrapServers == null || bootstrapServers.isBlank())) {
      throw new IllegalArgumentException("events.kafka.bootstrapServers is required when the relay is enabled");
    }
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("events.kafka.topic must be non-blank");
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("events.pollInterval must be positive");
    }
    if (batchSize < 1 || batchSize > io.k0rdent.api.core.store.EventOutbox.MAX_BATCH) {
      throw new IllegalArgumentException("events.batchSize must be 1.."
          + io.k0rdent.api.core.store.EventOutbox.MAX_BATCH);
    }
    if (deliveryTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("events.kafka.deliveryTimeout must be at least 1s");
    }
    if (maxBackoff.compareTo(pollInterval) < 0) {
      throw new IllegalArgumentException("events.maxBackoff must be at least events.pollInterval");
    }
  }

  /**
   * The defaults for {@code bootstrapServers}: enabled exactly when it is non-blank (null or blank: relay off).
   */
  public static RelayOptions of(String bootstrapServers) {
    boolean on = bootstrapServers != null && !bootstrapServers.isBlank();
    return new RelayOptions(on, on ? bootstrapServers.trim() : null, DEFAULT_TOPIC, DEFAULT_POLL_INTERVAL,
        DEFAULT_BATCH_SIZE, DEFAULT_DELIVERY_TIMEOUT, DEFAULT_MAX_BACKOFF);
  }

  /** These options with another topic. */
  public RelayOptions withTopic(String topic) {
    return new RelayOptions(enabled, bootstrapServers, topic, pollInterval, batchSize, deliveryTimeout, maxBackoff);
  }

  /** These options with other timings (see the record's parameters). */
  public RelayOptions withTimings(Duration pollInterval, Duration deliveryTimeout, Duration maxBackoff) {
    return new RelayOptions(enabled, bootstrapServers, topic, pollInterval, batchSize, deliveryTimeout, maxBackoff);
  }

  /** These options with another batch size. */
  public RelayOptions withBatchSize(int batchSize) {
    return new RelayOptions(enabled, bootstrapServers, topic, pollInterval, batchSize, deliveryTimeout, maxBackoff);
  }
}
