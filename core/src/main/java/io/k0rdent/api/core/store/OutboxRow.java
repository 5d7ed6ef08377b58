package io.k0rdent.api.core.store;

import io.k0rdent.api.core.event.CloudEvent;
import java.util.Objects;

/**
 * One unpublished row of the {@link EventOutbox}, as {@link EventOutbox#pending} reads it.
 *
 * @param seq   the row's place in the outbox's global order (positive, strictly increasing in append order; in
 *              PostgreSQL the {@code events.seq} bigserial, so gaps are possible)
 * @param key   the Kafka record key: the changed resource's selfLink (non-empty)
 * @param event the CloudEvent, as appended
 */
public record OutboxRow(long seq, String key, CloudEvent event) {

  /** @throws IllegalArgumentException when {@code seq} is not positive or {@code key} is empty */
  public OutboxRow {
    if (seq <= 0) {
      throw new IllegalArgumentException("seq must be positive: " + seq);
    }
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key must be non-empty");
    }
    Objects.requireNonNull(event, "event");
  }
}
