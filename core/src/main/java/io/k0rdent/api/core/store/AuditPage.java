package io.k0rdent.api.core.store;

import io.k0rdent.api.core.event.CloudEvent;
import java.util.List;
import java.util.Objects;

/**
 * One page of the audit log ({@link EventOutbox#audit}).
 *
 * @param entries the rows, newest first (strictly decreasing {@code seq}); at most the query's {@code limit}
 * @param more    whether more rows match after the last one (the next page starts before its {@code seq})
 */
public record AuditPage(List<Entry> entries, boolean more) {

  public AuditPage {
    entries = List.copyOf(entries);
  }

  /**
   * One row of the audit log.
   *
   * @param seq            the row's place in the outbox order (positive)
   * @param organizationId the organization whose change it is; null for the provider's own
   * @param event          the CloudEvent, as appended
   */
  public record Entry(long seq, String organizationId, CloudEvent event) {

    /** @throws IllegalArgumentException when {@code seq} is not positive */
    public Entry {
      if (seq <= 0) {
        throw new IllegalArgumentException("seq must be positive: " + seq);
      }
      Objects.requireNonNull(event, "event");
    }
  }

  /** The {@code seq} of the last entry (the next page's cursor), or null when the page is empty. */
  public Long lastSeq() {
    return entries.isEmpty() ? null : entries.get(entries.size() - 1).seq();
  }
}
