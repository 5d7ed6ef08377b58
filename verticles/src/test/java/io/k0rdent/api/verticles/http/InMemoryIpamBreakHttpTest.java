package io.k0rdent.api.verticles.http;

/** {@link IpamBreakHttpContract} against the in-memory store. */
class InMemoryIpamBreakHttpTest extends IpamBreakHttpContract {}
