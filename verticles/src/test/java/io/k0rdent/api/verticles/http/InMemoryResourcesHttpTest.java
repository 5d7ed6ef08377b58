package io.k0rdent.api.verticles.http;

import io.k0rdent.api.verticles.testsupport.TestNode;

/** {@link ResourcesHttpContract} against the in-memory store (dev mode's default). */
class InMemoryResourcesHttpTest extends ResourcesHttpContract {
  @Override
  TestNode startNode() {
    return TestNode.start();
  }
}
