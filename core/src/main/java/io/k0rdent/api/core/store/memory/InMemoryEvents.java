package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.event.ChangeEvents.Change;
import io.k0rdent.api.core.event.ChangeEvents.Owner;
import io.k0rdent.api.core.resource.Resource;
import java.util.List;
import java.util.function.Function;

/**
 * How the in-memory stores append a mutation's event: in the mutation's critical section, under the store's one
 * lock, so that the change and its event become visible together (the in-memory form of the transactional outbox).
 * Every method expects the caller to hold that lock.
 */
final class InMemoryEvents {

  private final ChangeEvents events;
  private final InMemoryEventOutbox outbox;
  private final Function<Owner, String> organizationOf;

  /**
   * @param organizationOf the organization id of an owner (null for the provider's, or when its holder is gone);
   *                       called under the lock
   */
  InMemoryEvents(ChangeEvents events, InMemoryEventOutbox outbox, Function<Owner, String> organizationOf) {
    this.events = events;
    this.outbox = outbox;
    this.organizationOf = organizationOf;
  }

  void record(Change c) {
    if (c.retiredOrganization() != null) {
      outbox.retireOrganizationLocked(c.retiredOrganization());
    }
    outbox.appendLocked(c.event(), c.key(), organizationOf.apply(c.owner()));
  }

  /** The created event of {@code r}; built before the change is applied, so a rendering fault changes nothing. */
  <T extends Resource> Change created(T r) {
    return events.of(ChangeEvents.CREATED, r);
  }

  /** The updated event of {@code r} as it will be stored. */
  <T extends Resource> Change updated(T r) {
    return events.of(ChangeEvents.UPDATED, r);
  }

  /** The {@code verb} event of {@code r} shown with its {@code parts} ({@link ChangeEvents#of(String, Resource, List)}). */
  <T extends Resource> Change of(String verb, T r, List<? extends Resource> parts) {
    return events.of(verb, r, parts);
  }

  /** The deleted event of {@code r} as it was stored. */
  <T extends Resource> Change deleted(T r) {
    return events.deleted(r);
  }
}
