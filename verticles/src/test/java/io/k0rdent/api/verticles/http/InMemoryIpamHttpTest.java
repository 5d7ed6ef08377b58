package io.k0rdent.api.verticles.http;

/** {@link IpamHttpContract} against the in-memory store (dev mode's default). */
class InMemoryIpamHttpTest extends IpamHttpContract {}
