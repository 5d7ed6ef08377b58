package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.core.store.StoreContract;

/** {@link InMemoryStore} against the store contract. */
class InMemoryStoreTest extends StoreContract {

  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }
}
