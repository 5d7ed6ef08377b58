package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.store.ServerStoreContract;
import io.k0rdent.api.core.store.Store;

/** {@link InMemoryServerStore} against the server store contract. */
class InMemoryServerStoreTest extends ServerStoreContract {

  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }
}
