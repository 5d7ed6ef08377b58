package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.store.EventOutboxContract;
import io.k0rdent.api.core.store.Store;

/** {@link InMemoryEventOutbox} (through {@link InMemoryStore#events()}) against the outbox contract. */
class InMemoryEventOutboxTest extends EventOutboxContract {

  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }
}
