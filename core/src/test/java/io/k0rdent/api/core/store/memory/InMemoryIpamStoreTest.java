package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.store.IpamStoreContract;
import io.k0rdent.api.core.store.Store;

/** {@link InMemoryIpamStore} against the IPAM store contract. */
class InMemoryIpamStoreTest extends IpamStoreContract {

  @Override
  protected Store createStore() {
    return new InMemoryStore();
  }
}
